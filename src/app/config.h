// Configuration from the environment, with a `.env` file in the working directory filling in
// variables the environment does not set (as the seed does). One loader for the whole binary.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/job_parser.h"
#include "worker/block_renderer.h"

namespace polyvox {

// Variables read from the process environment and, for those unset there, from a .env file.
class Environment {
 public:
  // Reads the process environment and `dotenv_path` (missing file = no variables). Lines are
  // KEY=VALUE, optionally `export KEY=VALUE`, values optionally in single or double quotes;
  // `#` starts a comment line.
  static Environment load(const std::string& dotenv_path = ".env");

  std::optional<std::string> get(const std::string& key) const;
  std::string get_or(const std::string& key, const std::string& fallback) const;
  // Integer value; `fallback` when unset; throws std::invalid_argument naming the variable when
  // set to something that is not an integer in [min, max] (fatal start-up configuration).
  long long get_int(const std::string& key, long long fallback, long long min, long long max) const;

  void set_for_test(const std::string& key, const std::string& value) { dotenv_[key] = value; }

 private:
  std::map<std::string, std::string> dotenv_;
};

struct Config {
  JobParseOptions job;       // DEFAULT_PROVIDER, MAX_BLOCKS, MAX_TEXT_CHARS, MAX_PAUSE_MS
  RenderOptions render;      // OUTPUT_SAMPLE_RATE, MP3_BITRATE_KBPS, MP3_QUALITY,
                             // TARGET_LUFS, MAX_TRUE_PEAK_DBTP
  std::string diacritizer;   // DIACRITIZER: "embedded", "none" or "http"; default "embedded",
                             // or "http" when only DIACRITIZER_URL is set
  std::string diacritizer_url;  // DIACRITIZER_URL (for the http diacritizer)
  std::string models_dir;    // POLYVOX_MODELS_DIR; default: the source tree's models/
};

// REQUIRES nothing; throws std::invalid_argument on a malformed value.
Config load_config(const Environment& env);

}  // namespace polyvox
