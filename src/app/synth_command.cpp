#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "app/commands.h"
#include "app/composition_root.h"
#include "core/error_codes.h"
#include "core/ids.h"
#include "core/job_parser.h"
#include "log/log.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;

int fail(const Error& error) {
  std::cerr << "polyvox synth: " << error.to_string() << "\n";
  return exit_code_for(error.kind);
}

Result<std::string> read_input(const std::string& path) {
  std::ostringstream content;
  if (path == "-") {
    content << std::cin.rdbuf();
    return content.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_input("job", "cannot read '" + path + "'");
  content << in.rdbuf();
  return content.str();
}

// The mode of a new file: 0666 minus the umask.
mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

// A file beside the target that becomes the target only on success; removed otherwise.
class PendingFile {
 public:
  static Result<PendingFile> create(const fs::path& target) {
    if (target.empty()) return invalid_input("output", "no output path");
    fs::path dir = target.parent_path();
    if (dir.empty()) dir = ".";
    std::string pattern = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
      return invalid_input("output",
                           "cannot write '" + target.string() + "': " + std::strerror(errno));
    }
    // mkstemp makes the file 0600; the output gets the mode any new file would (0666 - umask).
    const mode_t mode = new_file_mode();
    (void)::fchmod(fd, mode);
    std::FILE* file = ::fdopen(fd, "w+b");
    if (!file) {
      ::close(fd);
      ::unlink(pattern.c_str());
      return Error{ErrorKind::kIo, "cannot open a temporary file", ""};
    }
    return PendingFile(target, pattern, file, mode);
  }

  PendingFile(PendingFile&& other) noexcept
      : target_(std::move(other.target_)),
        temp_(std::move(other.temp_)),
        file_(other.file_),
        mode_(other.mode_) {
    other.file_ = nullptr;
    other.temp_.clear();
  }
  PendingFile(const PendingFile&) = delete;
  ~PendingFile() {
    if (file_) std::fclose(file_);
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }

  std::FILE* file() const { return file_; }

  // Makes `source` (a file on the target's file system) the target instead of what was written
  // here: with the mode a new file gets, synced, renamed into place.
  Status commit_from(const fs::path& source) {
    std::fclose(file_);
    file_ = nullptr;
    const int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fchmod(fd, mode_) == 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!synced || ::rename(source.c_str(), target_.c_str()) != 0) {
      return Error{ErrorKind::kIo, "cannot write '" + target_.string() + "'", "output"};
    }
    ::unlink(temp_.c_str());
    temp_.clear();
    return Status::success();
  }

  Status commit() {
    const bool synced = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!synced || !closed || ::rename(temp_.c_str(), target_.c_str()) != 0) {
      return Error{ErrorKind::kIo, "cannot write '" + target_.string() + "'", "output"};
    }
    temp_.clear();
    return Status::success();
  }

 private:
  PendingFile(fs::path target, std::string temp, std::FILE* file, mode_t mode)
      : target_(std::move(target)), temp_(std::move(temp)), file_(file), mode_(mode) {}

  fs::path target_;
  std::string temp_;
  std::FILE* file_;
  mode_t mode_;
};

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

}  // namespace

int run_synth(const SynthArgs& args, const Config& config) {
  log::configure("off", config.service.log_format);  // its errors are this command's message
  auto input = read_input(args.job_path);
  if (!input) return fail(input.error());
  std::unique_ptr<SynthProcess> synth = SynthProcess::build(config);
  auto job = parse_job(*input, config.job, synth->providers());
  if (!job) return fail(job.error());
  if (!args.format.empty()) {
    auto format = parse_output_format(args.format);
    if (!format) return fail(invalid_input("--format", "must be mp3 or wav"));
    job->output_format = *format;
  }

  auto output = PendingFile::create(args.output_path);
  if (!output) return fail(output.error());
  std::optional<PendingFile> manifest_file;
  if (!args.manifest_path.empty()) {
    auto pending = PendingFile::create(args.manifest_path);
    if (!pending) {
      Error e = pending.error();
      e.field = "manifest";
      return fail(e);
    }
    manifest_file.emplace(std::move(pending.value()));
  }

  // The scratch directory is beside the output (the same file system): the final file is
  // renamed into place.
  const fs::path out_dir = fs::path(args.output_path).parent_path().empty()
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
  auto failure = observer.wait([&](std::optional<SynthObserver::Failure>& failure) {
    auto record = jobs.get_job(job_id, false);
    if (!record || !is_finished(record->status)) return false;
    if (record->status != JobStatus::kCompleted) {
      failure = SynthObserver::Failure{std::nullopt,
                                       Error{ErrorKind::kSynthesisFailed, record->error, ""}};
    }
    return true;
  });
  synth->stop();
  if (failure) return fail(synth_error(*job, *failure));

  auto record = jobs.get_job(job_id, false);
  if (!record) return fail(record.error());
  if (!record->result) return fail(Error{ErrorKind::kInternal, "the job has no result", ""});
  if (manifest_file) {
    const std::string text =
        nlohmann::ordered_json::parse(record->result->manifest_json).dump(2) + "\n";
    if (std::fwrite(text.data(), 1, text.size(), manifest_file->file()) != text.size()) {
      return fail(Error{ErrorKind::kIo, "cannot write the manifest", "manifest"});
    }
    if (Status s = manifest_file->commit(); !s) return fail(s.error());
  }
  auto final_file = synth->local_file(record->result->result_key);
  if (!final_file) return fail(Error{ErrorKind::kInternal, "the result has no local file", ""});
  if (Status s = output->commit_from(*final_file); !s) return fail(s.error());
  return 0;
}

}  // namespace polyvox
