#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "app/cli_files.h"
#include "app/commands.h"
#include "app/composition_root.h"
#include "core/error_codes.h"
#include "core/ids.h"
#include "core/job_parser.h"
#include "core/manifest.h"
#include "core/subtitles.h"
#include "log/log.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;

int fail(const Error& error) {
  std::cerr << "polyvox synth: " << error.to_string() << "\n";
  return exit_code_for(error.kind);
}

// A scratch directory removed with everything in it.
class ScratchDir {
 public:
  explicit ScratchDir(fs::path path) : path_(std::move(path)) {}
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void draw_progress(std::size_t done, std::size_t total) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / std::max<std::size_t>(total, 1));
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r[%s] %zu/%zu blocks", bar.c_str(), done, total);
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

// What the pool says about the one job of `polyvox synth`: progress for the bar, and the end.
class SynthObserver : public WorkObserver {
 public:
  SynthObserver(std::size_t total, bool draw) : total_(total), draw_(draw) {}

  void block_done(const std::string&, std::size_t) override {
    std::lock_guard lock(mutex_);
    ++done_;
    if (draw_) draw_progress(done_, total_);
  }
  void job_completed(const std::string&) override { finish(std::nullopt); }
  void job_failed(const std::string&, std::optional<std::size_t> index,
                  const Error& error) override {
    finish(std::pair{index, error});
  }

  using Failure = std::pair<std::optional<std::size_t>, Error>;
  // Waits until the job ends; nullopt when it completed. Every `check` interval also asks
  // `finished()` (the store), so that a failure the pool could not report (a poison task failed
  // by the queue itself) still ends the wait.
  template <typename Finished>
  std::optional<Failure> wait(Finished finished) {
    std::unique_lock lock(mutex_);
    while (!ended_) {
      if (!wake_.wait_for(lock, std::chrono::seconds(1), [&] { return ended_; })) {
        lock.unlock();
        std::optional<Failure> failure;
        const bool over = finished(failure);
        lock.lock();
        if (over && !ended_) {
          ended_ = true;
          failure_ = std::move(failure);
        }
      }
    }
    return failure_;
  }

 private:
  void finish(std::optional<Failure> failure) {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    ended_ = true;
    failure_ = std::move(failure);
    wake_.notify_all();
  }

  const std::size_t total_;
  const bool draw_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::size_t done_ = 0;
  bool ended_ = false;
  std::optional<Failure> failure_;
};

// The error of a failed synth: a block's names the block, its provider and voice.
Error synth_error(const JobSpec& job, const SynthObserver::Failure& failure) {
  const auto& [index, error] = failure;
  if (!index || *index >= job.blocks.size()) return error;
  const BlockSpec& block = job.blocks[*index];
  return Error{error.kind,
               "block " + std::to_string(*index) + " (provider " + block.provider + ", voice " +
                   block.voice + "): " + error.message,
               "blocks[" + std::to_string(*index) + "]"};
}

// Creates the file at `path` for `what` (the option it was given with), which is then written
// whole or not at all.
Result<PendingFile> pending_file(const std::string& path, const char* what) {
  auto pending = PendingFile::create(path);
  if (!pending) {
    Error e = pending.error();
    e.field = what;
    return e;
  }
  return pending;
}

// Writes `text` into `file`, not yet committed.
Status write_text(PendingFile& file, const std::string& text, const char* what) {
  if (std::fwrite(text.data(), 1, text.size(), file.file()) != text.size()) {
    return Error{ErrorKind::kIo, std::string("cannot write the ") + what, what};
  }
  return Status::success();
}
// "-o -": the audio goes to stdout (and nothing else does).
constexpr const char* kStdout = "-";

// The output format `polyvox synth` was asked for: --format, else the output file's extension;
// nullopt when neither names one (the job file's own format applies). A --format that disagrees
// with the extension is refused: the file would hold one format under the other's name.
Result<std::optional<OutputFormat>> requested_format(const SynthArgs& args) {
  const std::optional<OutputFormat> by_name =
      args.output_path == kStdout ? std::nullopt : output_format_for_path(args.output_path);
  if (args.format.empty()) return by_name;
  auto flag = parse_output_format(args.format);
  if (!flag) {
    return invalid_input("--format", std::string("must be one of ") + output_format_names());
  }
  if (by_name && *by_name != *flag) {
    return invalid_input("--format", "'" + args.format + "' does not match the output '" +
                                         args.output_path + "', whose extension names " +
                                         output_format_name(*by_name) + ": change one of them");
  }
  return std::optional<OutputFormat>(*flag);
}

// Stdout kept for the audio alone: from construction on, fd 1 is the process's stderr (whatever
// a library prints lands there), and the audio is written to the original stdout.
class AudioStdout {
 public:
  // REQUIRES: SIGPIPE ignored (block_stop_signals, at the command's start): a reader that went
  // away (| head) makes the write fail with EPIPE, reported and cleaned up like any failed
  // output, instead of SIGPIPE ending the process with its temporary files.
  AudioStdout() : fd_(::dup(STDOUT_FILENO)) {
    std::fflush(stdout);
    if (fd_ >= 0) ::dup2(STDERR_FILENO, STDOUT_FILENO);
  }
  ~AudioStdout() {
    if (fd_ >= 0) ::close(fd_);
  }
  AudioStdout(const AudioStdout&) = delete;
  AudioStdout& operator=(const AudioStdout&) = delete;

  // Copies the file at `path` to the original stdout. kIo when it cannot be read or written.
  Status write_file(const fs::path& path) const {
    const Error failed{ErrorKind::kIo, "cannot write the audio to stdout", "output"};
    if (fd_ < 0) return failed;
    std::FILE* in = std::fopen(path.c_str(), "rb");
    if (!in) return Error{ErrorKind::kIo, "cannot read the rendered file", "output"};
    std::vector<char> buffer(64 * 1024);
    bool ok = true;
    while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), in)) {
      for (std::size_t written = 0; ok && written < n;) {
        const ssize_t w = ::write(fd_, buffer.data() + written, n - written);
        if (w < 0 && errno == EINTR) continue;
        ok = w > 0;
        if (ok) written += static_cast<std::size_t>(w);
      }
      if (!ok) break;
    }
    ok = ok && !std::ferror(in);
    std::fclose(in);
    if (!ok) return failed;
    return Status::success();
  }

 private:
  int fd_;
};

}  // namespace

int run_synth(const SynthArgs& args, const Config& config) {
  // Before any thread starts: Ctrl-C (or SIGTERM) is taken by the wait for the job below, which
  // stops the pool and returns, so that the scratch directory and the pending files are removed
  // on the way out; a second one ends the process at once.
  block_stop_signals();
  log::configure("off", config.service.log_format);  // its errors are this command's message
  auto input = read_input_file(args.job_path, "job");
  if (!input) return fail(input.error());
  std::unique_ptr<SynthProcess> synth = SynthProcess::build(config);
  std::vector<ErrorDetail> problems;
  auto job = parse_job(*input, config.job, synth->providers(), &problems);
  if (!job) {
    const int code = fail(job.error());
    // Then every other problem: all fixed in one go.
    for (std::size_t i = 1; i < problems.size(); ++i) {
      std::cerr << "polyvox synth: " << problems[i].field << ": " << problems[i].message << "\n";
    }
    return code;
  }
  auto requested = requested_format(args);
  if (!requested) return fail(requested.error());
  if (const std::optional<OutputFormat> format = *requested) {
    if (*format != job->output_format) {
      // The job file's rate and bitrate were chosen for its own format.
      job->sample_rate = 0;
      job->bitrate_kbps = 0;
    }
    job->output_format = *format;
  }
  if (args.sample_rate != 0) job->sample_rate = args.sample_rate;
  if (args.bitrate_kbps != 0) job->bitrate_kbps = args.bitrate_kbps;
  // At the rate it renders at (the configured one when the job names none).
  if (Status s = check_output_settings(job->output_format,
                                       effective_sample_rate(job->output_format, job->sample_rate,
                                                             config.render.segment.sample_rate),
                                       job->bitrate_kbps,
                                       args.sample_rate != 0 ? "--sample-rate" : "sample_rate",
                                       args.bitrate_kbps != 0 ? "--bitrate-kbps" : "bitrate_kbps");
      !s) {
    return fail(s.error());
  }
  if (args.speed) {
    // CLI11's range check lets "nan" through (NaN fails no comparison).
    if (!(*args.speed >= kMinBlockSpeed && *args.speed <= kMaxBlockSpeed)) {
      return fail(
          invalid_input("--speed", std::string("must be a number ") + kBlockSpeedRangeText));
    }
    for (BlockSpec& block : job->blocks) block.speed = *args.speed;
  }

  const bool to_stdout = args.output_path == kStdout;
  std::optional<AudioStdout> audio_stdout;
  if (to_stdout) audio_stdout.emplace();
  std::optional<PendingFile> output;
  if (!to_stdout) {
    auto pending = PendingFile::create(args.output_path);
    if (!pending) return fail(pending.error());
    output.emplace(std::move(pending.value()));
  }
  std::optional<PendingFile> manifest_file;
  if (!args.manifest_path.empty()) {
    auto pending = pending_file(args.manifest_path, "manifest");
    if (!pending) return fail(pending.error());
    manifest_file.emplace(std::move(pending.value()));
  }
  std::optional<PendingFile> subtitles_file;
  const bool vtt = fs::path(args.subtitles_path).extension() == ".vtt";
  if (!args.subtitles_path.empty()) {
    if (!vtt && fs::path(args.subtitles_path).extension() != ".srt") {
      return fail(invalid_input("--subtitles", "must name a .vtt (WebVTT) or .srt (SubRip) file"));
    }
    auto pending = pending_file(args.subtitles_path, "subtitles");
    if (!pending) return fail(pending.error());
    subtitles_file.emplace(std::move(pending.value()));
  }

  // The scratch directory is beside the output (the same file system): the final file is
  // renamed into place. For stdout, in the temporary directory.
  std::error_code no_temp;
  const fs::path out_dir = to_stdout ? fs::temp_directory_path(no_temp)
                           : fs::path(args.output_path).parent_path().empty()
                               ? fs::path(".")
                               : fs::path(args.output_path).parent_path();
  std::string scratch_pattern = (out_dir / ".polyvox-synth.XXXXXX").string();
  if (!::mkdtemp(scratch_pattern.data())) {
    return fail(invalid_input("output", "cannot create a scratch directory beside the output"));
  }
  ScratchDir scratch(scratch_pattern);
  SynthObserver observer(job->blocks.size(), ::isatty(STDERR_FILENO));
  if (Status s = synth->open_pipeline(scratch.path(), args.concurrency, &observer); !s) {
    return fail(s.error());
  }
  JobStore& jobs = synth->jobs();
  auto created = jobs.create_job(NewJob{new_uuid4(), "synth", *job});
  if (!created) return fail(created.error());
  const std::string job_id = created->id;
  synth->start();
  std::optional<int> interrupted;
  auto failure = observer.wait([&](std::optional<SynthObserver::Failure>& failure) {
    if ((interrupted = take_stop_signal())) return true;
    auto record = jobs.get_job(job_id, false);
    if (!record || !is_finished(record->status)) return false;
    if (record->status != JobStatus::kCompleted) {
      failure = SynthObserver::Failure{std::nullopt,
                                       Error{ErrorKind::kSynthesisFailed, record->error, ""}};
    }
    return true;
  });
  if (interrupted) {
    unblock_stop_signals();
    std::cerr << "\npolyvox synth: stopping (" << (*interrupted == SIGINT ? "SIGINT" : "SIGTERM")
              << "): waiting for the blocks in progress; again to quit at once" << std::endl;
    synth->stop();
    std::cerr << "polyvox synth: interrupted; nothing written" << std::endl;
    return 128 + *interrupted;
  }
  synth->stop();
  if (failure) return fail(synth_error(*job, *failure));

  auto record = jobs.get_job(job_id, true);
  if (!record) return fail(record.error());
  if (!record->result) return fail(Error{ErrorKind::kInternal, "the job has no result", ""});
  const std::string& manifest = record->result->manifest_json;
  if (manifest_file) {
    const std::string text =
        nlohmann::ordered_json::parse(args.words ? manifest : drop_words(manifest)).dump(2) + "\n";
    if (Status s = write_text(*manifest_file, text, "manifest"); !s) return fail(s.error());
  }
  if (subtitles_file) {
    std::vector<BlockSpec> specs;
    for (const BlockRecord& b : record->blocks) specs.push_back(b.spec);
    auto blocks = subtitle_blocks(manifest, specs);
    if (!blocks) return fail(blocks.error());
    const std::vector<Cue> cues = make_cues(*blocks);
    if (Status s = write_text(*subtitles_file, vtt ? to_webvtt(cues) : to_srt(cues), "subtitles");
        !s) {
      return fail(s.error());
    }
  }
  // The audio first, then the files that describe it: a failure on the way (stdout closed, a
  // full disk) leaves no manifest or subtitles of audio that was never written.
  auto final_file = synth->local_file(record->result->result_key);
  if (!final_file) return fail(Error{ErrorKind::kInternal, "the result has no local file", ""});
  if (to_stdout) {
    if (Status s = audio_stdout->write_file(*final_file); !s) return fail(s.error());
  } else if (Status s = output->commit_from(*final_file); !s) {
    return fail(s.error());
  }
  for (auto* sidecar : {&manifest_file, &subtitles_file}) {
    if (!*sidecar) continue;
    if (Status s = (*sidecar)->commit(); !s) return fail(s.error());
  }
  return 0;
}

}  // namespace polyvox
