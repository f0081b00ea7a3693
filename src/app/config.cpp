#include "app/config.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace polyvox {
namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace

Environment Environment::load(const std::string& dotenv_path) {
  Environment env;
  std::ifstream in(dotenv_path);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const auto hash = value.find(" #"); hash != std::string::npos) {
      value = trim(value.substr(0, hash));
    }
    if (!key.empty()) env.dotenv_[key] = value;
  }
  return env;
}

std::optional<std::string> Environment::get(const std::string& key) const {
  if (const char* v = std::getenv(key.c_str())) return std::string(v);
  auto it = dotenv_.find(key);
  if (it != dotenv_.end()) return it->second;
  return std::nullopt;
}

std::string Environment::get_or(const std::string& key, const std::string& fallback) const {
  auto v = get(key);
  return v && !v->empty() ? *v : fallback;
}

long long Environment::get_int(const std::string& key, long long fallback, long long min,
                               long long max) const {
  auto v = get(key);
  if (!v || v->empty()) return fallback;
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(*v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v->size() || value < min || value > max) {
    throw std::invalid_argument(key + " must be an integer between " + std::to_string(min) +
                                " and " + std::to_string(max) + ", got '" + *v + "'");
  }
  return value;
}

Config load_config(const Environment& env) {
  Config c;
  c.job.default_provider = env.get_or("DEFAULT_PROVIDER", "espeak");
  c.job.limits.max_blocks = env.get_int("MAX_BLOCKS", 1000, 1, 100000);
  c.job.limits.max_text_chars = env.get_int("MAX_TEXT_CHARS", 5000, 1, 1000000);
  c.job.limits.max_pause_ms = static_cast<int>(env.get_int("MAX_PAUSE_MS", 60000, 0, 3600000));
  c.render.segment.sample_rate =
      static_cast<int>(env.get_int("OUTPUT_SAMPLE_RATE", 44100, 32000, 48000));
  if (c.render.segment.sample_rate != 32000 && c.render.segment.sample_rate != 44100 &&
      c.render.segment.sample_rate != 48000) {
    throw std::invalid_argument("OUTPUT_SAMPLE_RATE must be 32000, 44100 or 48000");
  }
  c.render.segment.mp3_bitrate_kbps = static_cast<int>(env.get_int("MP3_BITRATE_KBPS", 128, 32, 320));
  c.render.segment.mp3_quality = static_cast<int>(env.get_int("MP3_QUALITY", 5, 0, 9));
  c.render.loudness.integrated_lufs =
      static_cast<double>(env.get_int("TARGET_LUFS", -16, -40, -5));
  c.diacritizer_url = env.get_or("DIACRITIZER_URL", "");
  c.diacritizer = env.get_or("DIACRITIZER", c.diacritizer_url.empty() ? "embedded" : "http");
  c.models_dir = env.get_or("POLYVOX_MODELS_DIR", POLYVOX_DEFAULT_MODELS_DIR);
  return c;
}

}  // namespace polyvox
