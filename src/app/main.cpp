// polyvox: one binary, several subcommands (docs/architecture.md).
#include <CLI/CLI.hpp>
#include <iostream>
#include <stdexcept>

#include "app/build_info.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/process_memory.h"
#include "core/job.h"
#include "log/log.h"

int main(int argc, char** argv) {
  polyvox::tune_allocator();  // before any thread
  CLI::App app{"Polyvox: ordered text blocks from many TTS providers into one audio file"};
  app.require_subcommand(1);
  app.set_version_flag(
      "--version", [] { return polyvox::version_text(); },
      "Print the version, the git revision and the backends built in, then exit");

  polyvox::SynthArgs synth;
  auto* synth_cmd = app.add_subcommand("synth", "Render a job file into one audio file");
  synth_cmd->add_option("job", synth.job_path, "Job JSON file ('-' reads stdin)")->required();
  synth_cmd
      ->add_option("-o,--output", synth.output_path,
                   "Output audio file ('-' writes the audio to stdout); its extension sets the "
                   "format unless --format does")
      ->required();
  synth_cmd->add_option("--manifest", synth.manifest_path, "Write the timing manifest here");
  synth_cmd->add_flag("--words", synth.words,
                      "The manifest's blocks carry their words: [{text, start_ms, end_ms}]");
  synth_cmd->add_option("--subtitles", synth.subtitles_path,
                        "Write subtitles here: WebVTT (.vtt) or SubRip (.srt), by the extension");
  synth_cmd
      ->add_option("--concurrency", synth.concurrency, "Blocks rendered at once (default: cores)")
      ->check(CLI::Range(1u, 256u));
  synth_cmd
      ->add_option(
          "--format", synth.format,
          "mp3, wav, flac, opus, aac, m4a, m4b or pcm (default: the output's extension, else the "
          "job's output_format); must agree with the output's extension")
      ->check(CLI::IsMember({"mp3", "wav", "flac", "opus", "aac", "m4a", "m4b", "pcm"}));
  synth_cmd->add_option("--sample-rate", synth.sample_rate,
                        "Output sample rate in Hz (default: the job's, else the format's default; "
                        "bounds per format in the README)");
  synth_cmd->add_option("--bitrate-kbps", synth.bitrate_kbps,
                        "Bitrate of a lossy format in kbit/s (default: the job's, else the "
                        "format's default)");
  synth_cmd
      ->add_option("--speed", synth.speed,
                   "Speed of every block, 0.25..4 (default: each block's own `speed`)")
      ->check(CLI::Range(polyvox::kMinBlockSpeed, polyvox::kMaxBlockSpeed));

  auto* serve_cmd = app.add_subcommand(
      "serve", "Run the HTTP API with its workers (configuration from the environment and .env)");

  auto* worker_cmd =
      app.add_subcommand("worker", "Run a worker node of the distributed mode (needs REDIS_URL)");

  polyvox::UsersArgs users;
  auto* users_cmd = app.add_subcommand("users", "Manage the users who may log in");
  users_cmd->require_subcommand(1);
  auto* users_add = users_cmd->add_subcommand("add", "Add a user");
  users_add->add_option("name", users.name, "User name")->required();
  users_add->add_option(
      "--password", users.password,
      "Password (default: read from stdin; typed twice without echo on a terminal)");
  users_add->add_flag("--admin", users.admin, "May see every job");
  users_add->add_flag("--create", users.create,
                      "Make the database if it does not exist yet (embedded mode)");
  auto* users_list = users_cmd->add_subcommand("list", "List users");
  auto* users_passwd = users_cmd->add_subcommand("passwd", "Change a user's password");
  users_passwd->add_option("name", users.name, "User name")->required();
  users_passwd->add_option(
      "--password", users.password,
      "Password (default: read from stdin; typed twice without echo on a terminal)");
  auto* users_remove = users_cmd->add_subcommand("remove", "Remove a user");
  users_remove->add_option("name", users.name, "User name")->required();
  auto* users_set = users_cmd->add_subcommand(
      "set", "Set a user's quotas: N, 'unlimited', or 'default' (the deployment's)");
  users_set->add_option("name", users.name, "User name")->required();
  users_set->add_option("--max-queued-jobs", users.max_queued_jobs, "Unfinished jobs at once");
  users_set->add_option("--max-queued-blocks", users.max_queued_blocks,
                        "Blocks of unfinished jobs not done yet");
  users_set->add_option("--max-chars-per-day", users.max_chars_per_day,
                        "Characters submitted per UTC day");

  polyvox::KeysArgs keys;
  auto* keys_cmd = app.add_subcommand("keys", "Manage API keys (pvx_...) of the users");
  keys_cmd->require_subcommand(1);
  auto* keys_create = keys_cmd->add_subcommand("create", "Make an API key; prints it once");
  keys_create->add_option("name", keys.name, "The key's name")->required();
  keys_create->add_option("--user", keys.user, "Its user's name (default: ADMIN_USERNAME)");
  keys_create->add_option("--expires-in-days", keys.expires_in_days,
                          "Days it is valid (default: until revoked)");
  auto* keys_list = keys_cmd->add_subcommand("list", "List API keys (never the keys themselves)");
  keys_list->add_option("--user", keys.user, "Only this user's (default: every user's)");
  auto* keys_revoke = keys_cmd->add_subcommand("revoke", "Revoke an API key");
  keys_revoke->add_option("id", keys.name, "The key's id (keys list shows it)")->required();

  std::string voices_provider;
  auto* voices_cmd = app.add_subcommand("voices", "List the voices of one or every provider");
  voices_cmd->add_option("provider", voices_provider, "Provider name");

  polyvox::DiacritizeArgs diacritize;
  auto* diacritize_cmd =
      app.add_subcommand("diacritize", "Add Arabic diacritics to UTF-8 lines (FILE or stdin)");
  diacritize_cmd->add_option("file", diacritize.input_path, "Input file (default: stdin)");
  diacritize_cmd->add_flag("--explain", diacritize.explain,
                           "Per word: the marks chosen and whether the lexicon or the network "
                           "decided (embedded diacritizer)");

  polyvox::SubmitArgs submit;
  auto* submit_cmd = app.add_subcommand(
      "submit", "Send a job to a running server (POLYVOX_URL), follow it, download its audio");
  submit_cmd->add_option("job", submit.job_path, "Job JSON file ('-' reads stdin)")->required();
  submit_cmd->add_flag("--follow", submit.follow,
                       "Draw each block's progress until the job ends (exit 3 if it fails)");
  submit_cmd->add_option("-o,--output", submit.output_path,
                         "Download the audio here once the job is done ('-': stdout)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  // Services log on stdout; the other commands keep stdout for their output.
  if (!*serve_cmd && !*worker_cmd) polyvox::log::write_to_stderr();
  try {
    const polyvox::Environment env = polyvox::Environment::load();
    // A client of a server: the server's own settings are none of its business.
    if (*submit_cmd) return polyvox::run_submit(submit, env);
    const polyvox::Config config = polyvox::load_config(env);
    if (*synth_cmd) return polyvox::run_synth(synth, config);
    if (*voices_cmd) return polyvox::run_voices(voices_provider, config);
    if (*serve_cmd) return polyvox::run_serve(config);
    if (*worker_cmd) return polyvox::run_worker(config);
    if (*users_cmd) {
      for (auto* sub : {users_add, users_list, users_passwd, users_remove, users_set}) {
        if (*sub) users.action = sub->get_name();
      }
      users.password_given = users_add->count("--password") + users_passwd->count("--password") > 0;
      return polyvox::run_users(users, config);
    }
    if (*keys_cmd) {
      for (auto* sub : {keys_create, keys_list, keys_revoke}) {
        if (*sub) keys.action = sub->get_name();
      }
      keys.expiry_given = keys_create->count("--expires-in-days") > 0;
      return polyvox::run_keys(keys, config);
    }
    if (*diacritize_cmd) return polyvox::run_diacritize(diacritize, config);
  } catch (const std::invalid_argument& e) {
    std::cerr << "polyvox: configuration error: " << e.what() << "\n";
    return 2;
  }
  return 1;
}
