// Subcommands of the polyvox binary. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app/config.h"

namespace polyvox {

struct SynthArgs {
  std::string job_path;        // "-" reads stdin
  std::string output_path;     // "-": the audio to stdout (and nothing else there)
  std::string manifest_path;   // empty: no manifest
  bool words = false;          // the manifest's blocks carry their words
  std::string subtitles_path;  // empty: none; WebVTT for *.vtt, SubRip for *.srt
  unsigned concurrency = 0;    // 0: one thread per core
  // Empty: the one output_path's extension names (output_format_for_path), else the job's
  // output_format. Must agree with that extension when both name one.
  std::string format;
  int sample_rate = 0;   // 0: the job's sample_rate
  int bitrate_kbps = 0;  // 0: the job's bitrate_kbps
  // Every block's speed instead of its own (0.25..4); nullopt: each block's own.
  std::optional<double> speed;
};

// Exit codes: 0 done; 2 invalid input; 3 synthesis failed; 1 anything else.
int run_synth(const SynthArgs& args, const Config& config);

// The service: HTTP API + workers + scheduler (embedded mode). Returns at SIGTERM/SIGINT, 0 after
// a clean shutdown; 2 for a configuration that cannot start.
int run_serve(const Config& config);

// A worker node (distributed mode, REDIS_URL set): claims and runs tasks until SIGTERM/SIGINT.
int run_worker(const Config& config);

// User administration: `users add NAME [--password P] [--admin]` (no --password: the first line
// of stdin, or typed twice without echo on a terminal), `users list` (name, role, id), `users
// passwd NAME [--password P]` (the user's tokens stop working), `users remove NAME`, `users set
// NAME [--max-queued-jobs N] [--max-queued-blocks N] [--max-chars-per-day N]` (each N, unlimited
// or default: the user's quotas, core/quota.h).
struct UsersArgs {
  std::string action;  // add, list, passwd, remove, set
  std::string name;
  std::string password;
  bool password_given = false;
  bool admin = false;
  bool create = false;  // add: make the database when it does not exist yet
  // set: the quota overrides to change (core/quota.h parse_quota_override: N, "unlimited" or
  // "default"); the others stay as they are.
  std::optional<std::string> max_queued_jobs, max_queued_blocks, max_chars_per_day;
};
int run_users(const UsersArgs& args, const Config& config);

// API key administration: `keys create NAME [--user U] [--expires-in-days N]` (U: a user name,
// default ADMIN_USERNAME; prints the key once on stdout, what it made on stderr), `keys list
// [--user U]` (one line per key on stdout: id, prefix, user, name, created, expires, last
// used; every user's keys without --user), `keys revoke ID` (any user's key). Exit codes: 0
// done; 2 invalid input (a bad name or day count, an unknown user or key); 1 anything else.
struct KeysArgs {
  std::string action;           // create, list, revoke
  std::string name;             // create: the key's name; revoke: its id
  std::string user;             // empty: ADMIN_USERNAME (create), every user (list)
  int64_t expires_in_days = 0;  // 0: never
  bool expiry_given = false;
};
int run_keys(const KeysArgs& args, const Config& config);

// Prints the voices of `provider` (every usable provider when empty). 2 for an unknown one.
int run_voices(const std::string& provider, const Config& config);

struct DiacritizeArgs {
  std::string input_path;  // empty: stdin
  bool explain = false;    // --explain: the embedded diacritizer's choice for each word
};

// Writes each input line with Arabic diacritics added (the configured diacritizer), line by
// line. With `explain`, the embedded diacritizer is used whatever is configured, and each
// output line is followed by one line per word: its number, the word with its marks, who
// chose them (network, lexicon, lexicon+network) and, when the lexicon changed the network's
// choice, the network's. Exit codes: 0 done; 2 unreadable input or invalid UTF-8 (the message
// names line and column); 3 the diacritizer is unavailable.
int run_diacritize(const DiacritizeArgs& args, const Config& config);

// `polyvox submit JOB.json [--follow] [-o OUT]`: sends the job to a running server
// (POLYVOX_URL, default http://127.0.0.1:8000) with POLYVOX_TOKEN or POLYVOX_API_KEY as bearer
// credentials (else a login on the terminal), prints its id; --follow draws its progress from
// the job's events until it ends (reconnecting with Last-Event-ID); -o downloads the audio
// (written beside OUT and renamed; "-": stdout). Exit codes: 0 completed (or submitted, without
// --follow and -o); 3 the job failed or was cancelled; 2 invalid input (arguments, the job file,
// POLYVOX_URL, a job the server refused as invalid, no credentials and no terminal); 130
// interrupted; 1 anything else (server unreachable, 5xx, failed login, ...).
struct SubmitArgs {
  std::string job_path;     // "-" reads stdin
  bool follow = false;      // --follow
  std::string output_path;  // -o; empty: no download; "-": stdout
};
int run_submit(const SubmitArgs& args, const Environment& env);

}  // namespace polyvox
