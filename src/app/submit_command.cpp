// polyvox submit JOB.json [--follow] [-o OUT]: a job sent to a running server (POLYVOX_URL), its
// progress drawn from the job's events, its audio downloaded.
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/api_client.h"
#include "app/cli_files.h"
#include "app/commands.h"
#include "app/event_follower.h"
#include "app/job_progress.h"
#include "app/terminal.h"
#include "core/json_input.h"

namespace polyvox {
namespace {

constexpr int kExitCompleted = 0;
constexpr int kExitOther = 1;
constexpr int kExitInvalid = 2;
constexpr int kExitJobFailed = 3;
constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as a shell reports it

// The exit code of an error of this command: its input (arguments, job file, what the server
// refused as invalid) is 2; anything else that is not the job's own failure is 1. (Not
// exit_code_for: there an unavailable provider fails the synthesis; here an unavailable server
// is "other".)
int exit_code(const Error& error) {
  return error.kind == ErrorKind::kInvalidInput ? kExitInvalid : kExitOther;
}

int fail(const Error& error) {
  std::cerr << "polyvox submit: " << error.to_string() << "\n";
  return exit_code(error);
}

// The token a signal handler cancels: the handler's only way to reach the command (as with the
// terminal settings of EchoOff). Set while an InterruptCancels lives.
CancelToken* interrupt_target = nullptr;

extern "C" void cancel_on_signal(int) {
  if (interrupt_target) interrupt_target->cancel();  // an atomic store: async-signal-safe
}

// SIGINT and SIGTERM cancel `token` (requests in flight end, the temporary output is removed)
// instead of ending the process at once, for its lifetime.
class InterruptCancels {
 public:
  explicit InterruptCancels(CancelToken& token) {
    interrupt_target = &token;
    struct sigaction action {};
    action.sa_handler = cancel_on_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~InterruptCancels() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    interrupt_target = nullptr;
  }
  InterruptCancels(const InterruptCancels&) = delete;
  InterruptCancels& operator=(const InterruptCancels&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// A value usable in an HTTP header: printable ASCII without spaces.
bool header_safe(const std::string& value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return false;
  }
  return true;
}

// The bearer credential: POLYVOX_TOKEN, else POLYVOX_API_KEY, else a login on the terminal.
Result<std::string> credentials(const Environment& env, ApiClient& api) {
  for (const char* name : {"POLYVOX_TOKEN", "POLYVOX_API_KEY"}) {
    const std::string value = env.get_or(name, "");
    if (value.empty()) continue;
    if (!header_safe(value)) {
      return invalid_input(name, "holds spaces or characters an HTTP header cannot carry");
    }
    return value;
  }
  auto terminal = Terminal::open();
  if (!terminal) {
    return invalid_input("credentials",
                         "no credentials and no terminal to log in on: set POLYVOX_TOKEN (an "
                         "access token from POST /token) or POLYVOX_API_KEY");
  }
  std::cerr << "Log in to " << api.base_url() << "\n";
  const auto user = terminal->ask("User name: ", true);
  if (!user || user->empty()) return invalid_input("user name", "no user name given");
  const auto password = terminal->ask("Password: ", false);
  if (!password) return invalid_input("password", "no password given");
  return api.login(*user, *password);
}

// Each block's provider as the job file names it, for progress lines before the server says.
std::vector<std::string> planned_providers(const std::string& job_text) {
  std::vector<std::string> providers;
  const auto job = parse_untrusted_json(job_text);
  if (!job.is_object() || !job.contains("blocks") || !job["blocks"].is_array()) return providers;
  for (const auto& block : job["blocks"]) {
    std::string provider;
    if (block.is_object() && block.contains("provider") && block["provider"].is_string()) {
      provider = terminal_safe(block["provider"].get<std::string>(), 64);
    }
    providers.push_back(provider);
  }
  return providers;
}

// Where progress goes: nowhere, a line per event (stderr is not a terminal), or one status line
// redrawn in place (stderr is a terminal).
class ProgressDisplay {
 public:
  enum class Mode { kSilent, kLines, kStatusLine };
  explicit ProgressDisplay(Mode mode) : mode_(mode) {}
  ~ProgressDisplay() { finish(); }
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // After an event: `line` is what JobProgress::apply said.
  void show(const std::string& line, const JobProgress& progress) {
    if (mode_ == Mode::kLines && !line.empty()) {
      std::fprintf(stderr, "%s\n", line.c_str());
    } else if (mode_ == Mode::kStatusLine) {
      status_ = progress.status_line();
      redraw();
    }
    std::fflush(stderr);
  }

  // A message of its own (a lost connection), on its own line.
  void note(const std::string& text) {
    if (mode_ == Mode::kSilent) return;
    if (mode_ == Mode::kStatusLine) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "%s\n", text.c_str());
    if (mode_ == Mode::kStatusLine) redraw();
    std::fflush(stderr);
  }

  // Leaves the status line as it is and moves below it.
  void finish() {
    if (mode_ == Mode::kStatusLine && !status_.empty()) std::fprintf(stderr, "\n");
    status_.clear();
    std::fflush(stderr);
  }

 private:
  void redraw() {
    // Cut to the terminal's width: a wrapped line could not be redrawn in place.
    struct winsize size {};
    std::size_t columns = 80;
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1) columns = size.ws_col;
    std::string shown;
    std::size_t characters = 0;
    for (char c : status_) {
      const bool starts_character = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      if (starts_character && ++characters > columns - 1) break;
      shown += c;
    }
    std::fprintf(stderr, "\r%s\033[K", shown.c_str());
  }

  Mode mode_;
  std::string status_;
};

std::string seconds_text(std::chrono::milliseconds wait) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(wait.count()) / 1000.0);
  return text;
}

// Follows the job to its end: 0 completed, 3 failed or cancelled, else the error's code.
int follow(ApiClient& api, const std::string& job_id, JobProgress& progress,
           ProgressDisplay& display, const FollowOptions& options, const CancelToken& cancel) {
  Status followed = follow_job_events(
      api, job_id,
      [&](const http::SseEvent& event) {
        display.show(progress.apply(event), progress);
        return progress.end() != JobProgress::End::kRunning;
      },
      [&](const std::string& why, std::chrono::milliseconds wait, int attempt) {
        display.note("connection lost (" + why + "); reconnecting in " + seconds_text(wait) +
                     " (attempt " + std::to_string(attempt) + " of " +
                     std::to_string(options.max_failed_reconnects) + ")");
      },
      options, &cancel);
  display.finish();
  if (!followed) {
    if (cancel.cancelled()) return kExitInterrupted;
    return fail(followed.error());
  }
  switch (progress.end()) {
    case JobProgress::End::kCompleted:
      return kExitCompleted;
    case JobProgress::End::kFailed:
      std::cerr << "polyvox submit: job " << job_id << " failed"
                << (progress.failure().empty() ? "" : ": " + progress.failure()) << "\n";
      return kExitJobFailed;
    case JobProgress::End::kCancelled:
      std::cerr << "polyvox submit: job " << job_id << " was cancelled\n";
      return kExitJobFailed;
    case JobProgress::End::kRunning:
      break;
  }
  return fail(Error{ErrorKind::kInternal, "the events ended before the job did", ""});
}

// Downloads the job's audio into `output` ("-": stdout).
int download(ApiClient& api, const std::string& job_id, const std::string& output,
             std::optional<PendingFile>& pending, const CancelToken& cancel) {
  std::FILE* sink = pending ? pending->file() : stdout;
  bool write_failed = false;
  auto audio = api.download_audio(job_id, [&](std::string_view bytes) {
    write_failed = std::fwrite(bytes.data(), 1, bytes.size(), sink) != bytes.size();
    return !write_failed;
  });
  if (cancel.cancelled()) return kExitInterrupted;
  if (write_failed) return fail(Error{ErrorKind::kIo, "cannot write '" + output + "'", "output"});
  if (!audio) return fail(audio.error());
  if (pending) {
    if (Status s = pending->commit(); !s) return fail(s.error());
  } else if (std::fflush(stdout) != 0) {
    return fail(Error{ErrorKind::kIo, "cannot write the audio to stdout", "output"});
  }
  return kExitCompleted;
}

}  // namespace

int run_submit(const SubmitArgs& args, const Environment& env) {
  auto base_url = parse_server_url(env.get_or("POLYVOX_URL", kDefaultServerUrl));
  if (!base_url) return fail(base_url.error());
  auto job = read_input_file(args.job_path, "job");
  if (!job) return fail(job.error());
  CancelToken cancel;
  ApiClient api(*base_url, &cancel);
  auto token = credentials(env, api);
  if (!token) return fail(token.error());
  api.set_token(std::move(*token));

  // From here on a signal cancels, so that the temporary output is removed.
  InterruptCancels interrupts(cancel);
  const bool to_stdout = args.output_path == "-";
  std::optional<PendingFile> pending;
  if (!args.output_path.empty() && !to_stdout) {  // before submitting: an unwritable OUT is 2
    auto created = PendingFile::create(args.output_path);
    if (!created) return fail(created.error());
    pending.emplace(std::move(created.value()));
  }
  auto job_id = api.submit(*job);
  if (cancel.cancelled()) return kExitInterrupted;
  if (!job_id) return fail(job_id.error());
  // The audio may own stdout; the id then goes with the progress.
  (to_stdout ? std::cerr : std::cout) << *job_id << std::endl;
  if (!args.follow && args.output_path.empty()) return kExitCompleted;

  JobProgress progress(planned_providers(*job));
  using Mode = ProgressDisplay::Mode;
  ProgressDisplay display(!args.follow                   ? Mode::kSilent
                          : ::isatty(STDERR_FILENO) == 1 ? Mode::kStatusLine
                                                         : Mode::kLines);
  const int followed = follow(api, *job_id, progress, display, FollowOptions{}, cancel);
  if (followed == kExitInterrupted) {
    std::cerr << "polyvox submit: interrupted; job " << *job_id << " goes on (DELETE /jobs/"
              << *job_id << " cancels it)\n";
  }
  if (followed != kExitCompleted || args.output_path.empty()) return followed;
  const int downloaded = download(api, *job_id, args.output_path, pending, cancel);
  if (downloaded == kExitInterrupted) std::cerr << "polyvox submit: interrupted\n";
  return downloaded;
}

}  // namespace polyvox
