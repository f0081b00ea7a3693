// Configuration from the environment, with a `.env` file in the working directory filling in
// variables the environment does not set (as the seed does). One loader for the whole binary.
#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/client_address.h"
#include "api/http_server.h"
#include "core/job_parser.h"
#include "core/quota.h"
#include "http/address_guard.h"
#include "providers/circuit_breaker.h"
#include "providers/provider_config.h"
#include "providers/speech_mapping_config.h"
#include "storage/storage_settings.h"
#include "webhooks/webhook_sender.h"
#include "worker/block_renderer.h"
#include "worker/cleanup.h"
#include "worker/worker_pool.h"

namespace polyvox {

// Variables read from the process environment and, for those unset there, from a .env file.
class Environment {
 public:
  // Reads the process environment and `dotenv_path` (missing file = no variables). Lines are
  // KEY=VALUE, optionally `export KEY=VALUE`; a line whose first character is `#` is a comment,
  // a line without `=` is ignored. Space around the key and around the value is not part of
  // them. A value is either
  //  - quoted: from its opening quote to the closing one, whitespace and `#` included; in double
  //    quotes `\"` stands for `"` and `\\` for `\` (any other backslash is itself), single
  //    quotes take everything literally up to the next `'`. Only whitespace and a `# comment`
  //    may follow the closing quote;
  //  - or unquoted: up to a ` #` (space, then `#`), which starts a comment.
  // Throws std::invalid_argument naming the file, the line number and the key (never the value:
  // it may be a secret) for a quote never closed or something else after the closing quote.
  static Environment load(const std::string& dotenv_path = ".env");
  // The variables of `text`, read as load() reads a file called `name` (and the process
  // environment, which still comes first).
  static Environment parse_dotenv(std::string_view text, const std::string& name);

  std::optional<std::string> get(const std::string& key) const;
  std::string get_or(const std::string& key, const std::string& fallback) const;
  // Integer value; `fallback` when unset or empty; throws std::invalid_argument naming the
  // variable when set to something that is not an integer in [min, max] (fatal start-up
  // configuration). An integer is decimal digits with an optional leading '-': no sign '+', no
  // space around it.
  long long get_int(const std::string& key, long long fallback, long long min, long long max) const;

  // true/false, 1/0, yes/no, on/off; `fallback` when unset; throws std::invalid_argument else.
  bool get_bool(const std::string& key, bool fallback) const;

  void set_for_test(const std::string& key, const std::string& value) { dotenv_[key] = value; }

 private:
  static Environment read_dotenv(std::istream& in, const std::string& dotenv_path);

  std::map<std::string, std::string> dotenv_;
};

// What `polyvox serve` and `polyvox worker` need beyond the rendering settings.
struct ServiceConfig {
  HttpServerOptions http;          // HOST, PORT, MAX_BODY_BYTES, IO_THREADS, MAX_CONNECTIONS,
                                   // HTTP_{HEADER,BODY,IDLE}_TIMEOUT_MS
  std::string data_dir = "./var";  // POLYVOX_DATA_DIR: database, blobs, scratch, secret key
  std::string redis_url;           // REDIS_URL: distributed mode when set
  std::string redis_key_prefix = "polyvox:";  // REDIS_KEY_PREFIX: of every key in Redis
  std::string storage_backend = "local";      // STORAGE_BACKEND: local | s3 | cloudinary
  StorageSettings storage;                    // the storage backends' settings
  std::string secret_key;                     // SECRET_KEY; empty: generated once into the data dir
  std::string admin_username = "admin";       // ADMIN_USERNAME
  std::string admin_password;                 // ADMIN_PASSWORD; empty: generated and printed once
  int64_t token_lifetime_s = 1800;            // ACCESS_TOKEN_EXPIRE_MINUTES * 60
  std::string public_base_url;                // PUBLIC_BASE_URL
  bool metrics_enabled = true;                // METRICS_ENABLED
  std::string metrics_token;                  // METRICS_TOKEN; empty: /metrics is open
  bool access_log = false;                    // ACCESS_LOG: one log line per request
  TrustedProxies trusted_proxies;             // TRUSTED_PROXIES: whose X-Forwarded-For counts
  WorkerOptions worker;                       // WORKER_CONCURRENCY, WORKER_AUDIO_THREADS,
                                              // TASK_MAX_RETRIES, TASK_RETRY_DELAY_SECONDS,
                                              // TASK_LEASE_SECONDS
  CleanupOptions cleanup;                     // CLEANUP_INTERVAL_SECONDS, TEMP_RETENTION_SECONDS,
                                              // JOB_RETENTION_SECONDS
  std::string log_level = "info";             // LOG_LEVEL
  std::string log_format = "json";            // LOG_FORMAT
  WebhookSenderOptions webhooks;              // WEBHOOK_RETRY_BASE_SECONDS
  std::size_t interactive_max_blocks = 3;     // INTERACTIVE_MAX_BLOCKS: jobs this short are
                                              // claimed in the interactive lane
  QuotaLimits quotas;                     // MAX_QUEUED_JOBS_PER_USER, MAX_QUEUED_BLOCKS_PER_USER,
                                          // MAX_CHARS_PER_USER_PER_DAY; unset = unlimited
  int64_t max_covers_per_user = 100;      // MAX_COVERS_PER_USER; 0 = unlimited
  http::AddressPolicy webhook_addresses;  // WEBHOOK_ALLOWED_HOSTS
};

struct Config {
  JobParseOptions job;          // DEFAULT_PROVIDER, MAX_BLOCKS, MAX_TEXT_CHARS, MAX_PAUSE_MS,
                                // MAX_JOB_PAUSE_SECONDS, WEBHOOK_URL
  RenderOptions render;         // OUTPUT_SAMPLE_RATE, MP3_BITRATE_KBPS, MP3_QUALITY,
                                // TARGET_LUFS, MAX_TRUE_PEAK_DBTP
  std::string diacritizer;      // DIACRITIZER: "embedded", "none" or "http"; default "embedded",
                                // or "http" when only DIACRITIZER_URL is set
  std::string diacritizer_url;  // DIACRITIZER_URL (for the http diacritizer)
  std::string models_dir;       // POLYVOX_MODELS_DIR; default: the source tree's models/
  BreakerOptions breaker;       // CIRCUIT_FAILURE_THRESHOLD, CIRCUIT_OPEN_SECONDS
  bool cache_enabled = true;    // CACHE_ENABLED
  uint64_t audio_cache_max_bytes = 1ULL << 30;         // AUDIO_CACHE_MAX_BYTES (1 GiB), on disk
  std::size_t diacritizer_cache_max_bytes = 32 << 20;  // DIACRITIZER_CACHE_MAX_BYTES, in memory
  ProvidersConfig providers;  // cloud providers: seed env variables + POLYVOX_CONFIG (TOML),
                              // see providers/provider_config.h
  SpeechMapping speech;       // /v1 model and voice names: POLYVOX_CONFIG [openai], over the
                              // offline defaults (providers/speech_mapping_config.h)
  ServiceConfig service;
};

// REQUIRES nothing; throws std::invalid_argument on a malformed value.
Config load_config(const Environment& env);

}  // namespace polyvox
