#include "app/config.h"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "app/registrations.h"
#include "core/body_limit.h"
#include "core/error.h"
#include "core/webhook_url.h"

namespace polyvox {
namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// The value of a `.env` line as Environment::load reads it, from `text` (what follows the '=',
// trimmed). kInvalidInput saying what is wrong with a quoted value (never the value itself).
Result<std::string> dotenv_value(const std::string& text) {
  if (text.empty() || (text.front() != '"' && text.front() != '\'')) {
    const auto hash = text.find(" #");
    return hash == std::string::npos ? text : trim(text.substr(0, hash));
  }
  const char quote = text.front();
  std::string value;
  std::size_t i = 1;
  for (; i < text.size() && text[i] != quote; ++i) {
    if (quote == '"' && text[i] == '\\' && i + 1 < text.size() &&
        (text[i + 1] == '"' || text[i + 1] == '\\')) {
      ++i;
    }
    value += text[i];
  }
  if (i == text.size()) {
    return invalid_input("", std::string("the value's opening ") + quote + " is never closed");
  }
  const std::string after = trim(text.substr(i + 1));
  if (!after.empty() && after.front() != '#') {
    return invalid_input(
        "", std::string("only whitespace and a # comment may follow the value's closing ") + quote +
                (quote == '"' ? " (a \" inside the value is written \\\")"
                              : " (a value with ' in it goes in double quotes)"));
  }
  return value;
}

// The shortest TEMP_RETENTION_SECONDS. A file is temporary (and an unrecorded blob an orphan)
// once older than the retention, so the retention must outlast the quiet spells of the work that
// owns the file: an assembly's scratch file is last written when its encoding ends, then only
// read while it is measured (a profile's check decodes the whole file: minutes for a file of many
// hours) and stored (an upload may take the stores' 120 s request timeout; the hard link
// LocalBlobStore::put_file makes of it keeps its time until renamed). A shorter retention would
// delete it under the running assembly.
constexpr long long kMinTempRetentionSeconds = 600;

}  // namespace

Environment Environment::load(const std::string& dotenv_path) {
  std::ifstream in(dotenv_path);
  return read_dotenv(in, dotenv_path);
}

Environment Environment::parse_dotenv(std::string_view text, const std::string& name) {
  std::istringstream in{std::string(text)};
  return read_dotenv(in, name);
}

Environment Environment::read_dotenv(std::istream& in, const std::string& dotenv_path) {
  Environment env;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq));
    Result<std::string> value = dotenv_value(trim(line.substr(eq + 1)));
    if (!value) {
      throw std::invalid_argument(dotenv_path + " line " + std::to_string(number) + " (" + key +
                                  "): " + value.error().message);
    }
    if (!key.empty()) env.dotenv_[key] = std::move(value.value());
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
  // std::from_chars takes digits after an optional '-' only (no space, no '+', unlike stoll).
  long long value = 0;
  const auto [end, error] = std::from_chars(v->data(), v->data() + v->size(), value);
  if (error != std::errc() || end != v->data() + v->size() || value < min || value > max) {
    throw std::invalid_argument(key + " must be an integer between " + std::to_string(min) +
                                " and " + std::to_string(max) + ", got '" + *v + "'");
  }
  return value;
}

bool Environment::get_bool(const std::string& key, bool fallback) const {
  auto v = get(key);
  if (!v || v->empty()) return fallback;
  std::string lower = *v;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "0" || lower == "false" || lower == "no" || lower == "off") return false;
  throw std::invalid_argument(key + " must be true or false, got '" + *v + "'");
}

Config load_config(const Environment& env) {
  Config c;
  c.job.default_provider = env.get_or("DEFAULT_PROVIDER", "espeak");
  c.job.limits.max_blocks = env.get_int("MAX_BLOCKS", 1000, 1, 100000);
  c.job.limits.max_text_chars = env.get_int("MAX_TEXT_CHARS", 5000, 1, 1000000);
  c.job.limits.max_pause_ms = static_cast<int>(env.get_int("MAX_PAUSE_MS", 60000, 0, 3600000));
  c.job.limits.max_total_pause_ms =
      1000 * env.get_int("MAX_JOB_PAUSE_SECONDS", 3600, 0, int64_t{86400} * 365);
  c.job.default_webhook_url = env.get_or("WEBHOOK_URL", "");
  if (!c.job.default_webhook_url.empty()) {
    if (Status s = check_webhook_url(c.job.default_webhook_url, "WEBHOOK_URL"); !s) {
      throw std::invalid_argument(s.error().to_string());
    }
  }
  c.render.segment.sample_rate =
      static_cast<int>(env.get_int("OUTPUT_SAMPLE_RATE", 44100, 32000, 48000));
  if (c.render.segment.sample_rate != 32000 && c.render.segment.sample_rate != 44100 &&
      c.render.segment.sample_rate != 48000) {
    throw std::invalid_argument("OUTPUT_SAMPLE_RATE must be 32000, 44100 or 48000");
  }
  c.render.segment.mp3_bitrate_kbps =
      static_cast<int>(env.get_int("MP3_BITRATE_KBPS", 128, 32, 320));
  // An MPEG-1 bitrate whose frames hold the gapless Info tag at OUTPUT_SAMPLE_RATE.
  if (Status s = check_output_settings(OutputFormat::kMp3, c.render.segment.sample_rate,
                                       c.render.segment.mp3_bitrate_kbps, "OUTPUT_SAMPLE_RATE",
                                       "MP3_BITRATE_KBPS");
      !s) {
    throw std::invalid_argument(s.error().to_string());
  }
  c.render.segment.mp3_quality = static_cast<int>(env.get_int("MP3_QUALITY", 5, 0, 9));
  c.render.loudness.integrated_lufs = static_cast<double>(env.get_int("TARGET_LUFS", -16, -40, -5));
  // Jobs without a profile: the ceiling of every block's true peak (audio/loudness.h). Above 0
  // dBTP the samples clip; delivery specifications ask for -1 to -3.
  c.render.loudness.max_true_peak_dbtp =
      static_cast<double>(env.get_int("MAX_TRUE_PEAK_DBTP", -1, -10, 0));
  c.render.word_timings = env.get_bool("WORD_TIMINGS", true);
  c.diacritizer_url = env.get_or("DIACRITIZER_URL", "");
  c.diacritizer = env.get_or("DIACRITIZER", c.diacritizer_url.empty() ? "embedded" : "http");
  c.models_dir = env.get_or("POLYVOX_MODELS_DIR", POLYVOX_DEFAULT_MODELS_DIR);
  c.cache_enabled = env.get_bool("CACHE_ENABLED", true);
  c.breaker.failure_threshold =
      static_cast<int>(env.get_int("CIRCUIT_FAILURE_THRESHOLD", 5, 1, 1000));
  c.breaker.open_ms = 1000 * env.get_int("CIRCUIT_OPEN_SECONDS", 30, 1, 3600);
  c.audio_cache_max_bytes =
      static_cast<uint64_t>(env.get_int("AUDIO_CACHE_MAX_BYTES", 1LL << 30, 0, 1LL << 50));
  c.diacritizer_cache_max_bytes = static_cast<std::size_t>(
      env.get_int("DIACRITIZER_CACHE_MAX_BYTES", 32LL << 20, 0, 1LL << 40));
  const long long min_ms_per_char = env.get_int("ANSWER_MIN_MS_PER_CHAR", 20, 0, 10000);
  const long long max_ms_per_char = env.get_int("ANSWER_MAX_MS_PER_CHAR", 500, 1, 100000);
  if (min_ms_per_char > max_ms_per_char) {
    // Every answer would be out of bounds, and every block retried until it failed.
    throw std::invalid_argument("ANSWER_MIN_MS_PER_CHAR (" + std::to_string(min_ms_per_char) +
                                ") must not be above ANSWER_MAX_MS_PER_CHAR (" +
                                std::to_string(max_ms_per_char) + ")");
  }
  c.render.answer.min_ms_per_letter = static_cast<double>(min_ms_per_char);
  c.render.answer.max_ms_per_letter = static_cast<double>(max_ms_per_char);
  const EnvLookup lookup = [&env](const std::string& key) { return env.get(key); };
  c.providers = load_providers_config(provider_kinds(), lookup);
  c.speech = load_speech_mapping(lookup, c.providers);

  ServiceConfig& s = c.service;
  s.http.host = env.get_or("HOST", "127.0.0.1");
  s.http.port = static_cast<uint16_t>(env.get_int("PORT", 8000, 0, 65535));
  // Unless set, the body limit follows the job limits: a job within them is never refused
  // for its size (core/body_limit.h).
  const std::size_t job_bytes = job_body_limit(c.job.limits);
  s.http.max_body_bytes = static_cast<std::size_t>(
      env.get_int("MAX_BODY_BYTES", static_cast<long long>(job_bytes), 1024, 1LL << 40));
  s.http.max_body_source =
      env.get("MAX_BODY_BYTES")
          ? "MAX_BODY_BYTES"
          : "MAX_BODY_BYTES unset: MAX_BLOCKS x (MAX_TEXT_CHARS x 4 + " +
                std::to_string(block_body_bytes(c.job.limits) -
                               c.job.limits.max_text_chars * kMaxUtf8BytesPerChar) +
                ") + " + std::to_string(kJobJsonOverheadBytes);
  s.http.io_threads = static_cast<unsigned>(
      env.get_int("IO_THREADS", std::max(1u, std::thread::hardware_concurrency()), 1, 64));
  s.http.max_connections =
      static_cast<std::size_t>(env.get_int("MAX_CONNECTIONS", 2048, 1, 1'000'000));
  s.http.max_connections_per_client =
      static_cast<std::size_t>(env.get_int("MAX_CONNECTIONS_PER_CLIENT", 0, 0, 1'000'000));
  s.http.header_timeout =
      std::chrono::milliseconds(env.get_int("HTTP_HEADER_TIMEOUT_MS", 10'000, 100, 3'600'000));
  s.http.body_timeout =
      std::chrono::milliseconds(env.get_int("HTTP_BODY_TIMEOUT_MS", 30'000, 100, 3'600'000));
  s.http.idle_timeout =
      std::chrono::milliseconds(env.get_int("HTTP_IDLE_TIMEOUT_MS", 60'000, 100, 3'600'000));
  s.http.drain_timeout = std::chrono::seconds(env.get_int("SHUTDOWN_DRAIN_SECONDS", 10, 0, 3'600));
  s.data_dir = env.get_or("POLYVOX_DATA_DIR", "./var");
  s.redis_url = env.get_or("REDIS_URL", "");
  s.redis_key_prefix = env.get_or("REDIS_KEY_PREFIX", s.redis_key_prefix);
  s.storage_backend = env.get_or("STORAGE_BACKEND", "local");
  s.storage.mirroring = env.get_bool("STORAGE_MIRRORING", false);
  s.storage.mirror_backend = env.get_or("STORAGE_MIRROR_BACKEND", "");
  s.storage.cloudinary_url = env.get_or("CLOUDINARY_URL", "");
  s.storage.cloudinary_api_base_url = env.get_or("CLOUDINARY_API_BASE_URL", "");
  s.storage.cloudinary_delivery_base_url = env.get_or("CLOUDINARY_DELIVERY_BASE_URL", "");
  s.storage.s3_endpoint_url = env.get_or("S3_ENDPOINT_URL", "");
  s.storage.s3_bucket = env.get_or("S3_BUCKET_NAME", "");
  s.storage.s3_access_key = env.get_or("S3_ACCESS_KEY", "");
  s.storage.s3_secret_key = env.get_or("S3_SECRET_KEY", "");
  s.storage.s3_region = env.get_or("S3_REGION", "us-east-1");
  s.storage.public_s3_base_url = env.get_or("PUBLIC_S3_BASE_URL", "");
  s.storage.s3_presign_expires_s =
      static_cast<int>(env.get_int("S3_PRESIGN_EXPIRES_SECONDS", 3600, 1, 604800));
  s.secret_key = env.get_or("SECRET_KEY", "");
  s.admin_username = env.get_or("ADMIN_USERNAME", "admin");
  s.admin_password = env.get_or("ADMIN_PASSWORD", "");
  s.token_lifetime_s = 60 * env.get_int("ACCESS_TOKEN_EXPIRE_MINUTES", 30, 1, 525600);
  s.public_base_url = env.get_or("PUBLIC_BASE_URL", "");
  while (!s.public_base_url.empty() && s.public_base_url.back() == '/')
    s.public_base_url.pop_back();
  s.metrics_enabled = env.get_bool("METRICS_ENABLED", true);
  s.metrics_token = env.get_or("METRICS_TOKEN", "");
  s.access_log = env.get_bool("ACCESS_LOG", false);
  auto proxies = TrustedProxies::parse(env.get_or("TRUSTED_PROXIES", ""), "TRUSTED_PROXIES");
  if (!proxies) throw std::invalid_argument(proxies.error().to_string());
  s.trusted_proxies = std::move(proxies.value());
  s.worker.concurrency = static_cast<unsigned>(env.get_int("WORKER_CONCURRENCY", 64, 0, 1024));
  // Unset: unlimited.
  auto quota = [&env](const char* key) -> std::optional<int64_t> {
    if (!env.get(key)) return std::nullopt;
    return env.get_int(key, 0, 0, int64_t{1} << 50);
  };
  s.quotas = {quota("MAX_QUEUED_JOBS_PER_USER"), quota("MAX_QUEUED_BLOCKS_PER_USER"),
              quota("MAX_CHARS_PER_USER_PER_DAY")};
  s.max_covers_per_user = env.get_int("MAX_COVERS_PER_USER", 100, 0, 1'000'000);
  s.interactive_max_blocks =
      static_cast<std::size_t>(env.get_int("INTERACTIVE_MAX_BLOCKS", 3, 0, 100000));
  s.worker.audio_threads = static_cast<unsigned>(env.get_int("WORKER_AUDIO_THREADS", 0, 0, 1024));
  s.worker.retry.max_retries = static_cast<int>(env.get_int("TASK_MAX_RETRIES", 3, 0, 100));
  s.worker.retry.base_ms = 1000 * env.get_int("TASK_RETRY_DELAY_SECONDS", 2, 0, 3600);
  s.worker.lease_ms = 1000 * env.get_int("TASK_LEASE_SECONDS", 60, 2, 86400);
  s.worker.heartbeat_ms = std::max<int64_t>(500, s.worker.lease_ms / 4);
  s.cleanup.interval_ms = 1000 * env.get_int("CLEANUP_INTERVAL_SECONDS", 3600, 1, 86400 * 30);
  s.cleanup.temp_retention_ms =
      1000 * env.get_int("TEMP_RETENTION_SECONDS", 3600, kMinTempRetentionSeconds, 86400 * 365);
  s.cleanup.job_retention_ms =
      1000 * env.get_int("JOB_RETENTION_SECONDS", 604800, 0, 86400LL * 3650);
  s.log_level = env.get_or("LOG_LEVEL", "info");
  s.log_format = env.get_or("LOG_FORMAT", "json");
  s.webhooks.retry_base_ms = 1000 * env.get_int("WEBHOOK_RETRY_BASE_SECONDS", 10, 1, 3600);
  auto allowed =
      http::AddressPolicy::parse(env.get_or("WEBHOOK_ALLOWED_HOSTS", ""), "WEBHOOK_ALLOWED_HOSTS");
  if (!allowed) throw std::invalid_argument(allowed.error().to_string());
  s.webhook_addresses = std::move(allowed.value());
  return c;
}

}  // namespace polyvox
