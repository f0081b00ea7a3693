#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include "app/commands.h"
#include "app/wiring.h"
#include "core/error_codes.h"
#include "core/job_parser.h"
#include "http/http_client.h"
#include "worker/job_renderer.h"

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
    const mode_t mask = ::umask(0);
    ::umask(mask);
    (void)::fchmod(fd, 0666 & ~mask);
    std::FILE* file = ::fdopen(fd, "w+b");
    if (!file) {
      ::close(fd);
      ::unlink(pattern.c_str());
      return Error{ErrorKind::kIo, "cannot open a temporary file", ""};
    }
    return PendingFile(target, pattern, file);
  }

  PendingFile(PendingFile&& other) noexcept
      : target_(std::move(other.target_)), temp_(std::move(other.temp_)), file_(other.file_) {
    other.file_ = nullptr;
    other.temp_.clear();
  }
  PendingFile(const PendingFile&) = delete;
  ~PendingFile() {
    if (file_) std::fclose(file_);
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }

  std::FILE* file() const { return file_; }

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
  PendingFile(fs::path target, std::string temp, std::FILE* file)
      : target_(std::move(target)), temp_(std::move(temp)), file_(file) {}

  fs::path target_;
  std::string temp_;
  std::FILE* file_;
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

}  // namespace

int run_synth(const SynthArgs& args, const Config& config) {
  auto input = read_input(args.job_path);
  if (!input) return fail(input.error());

  SystemClock clock;
  auto http = std::make_shared<http::HttpClient>();
  auto providers = build_providers(config, clock, nullptr, http);
  auto job = parse_job(*input, config.job, *providers);
  if (!job) return fail(job.error());
  if (!args.format.empty()) {
    auto format = parse_output_format(args.format);
    if (!format) return fail(invalid_input("--format", "must be mp3 or wav"));
    job->output_format = *format;
  }
  auto diacritizer = build_diacritizer(config, http);

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

  std::string scratch_pattern = (fs::path(args.output_path).parent_path().empty()
                                     ? fs::path(".")
                                     : fs::path(args.output_path).parent_path()) /
                                ".polyvox-segments.XXXXXX";
  if (!::mkdtemp(scratch_pattern.data())) {
    return fail(invalid_input("output", "cannot create a scratch directory beside the output"));
  }
  ScratchDir scratch(scratch_pattern);

  JobRenderOptions options;
  options.render = config.render;
  options.retry = config.service.worker.retry;
  std::unique_ptr<AudioCache> cache = build_audio_cache(config, nullptr);
  options.cache = cache.get();
  options.concurrency = args.concurrency;
  options.scratch_dir = scratch.path();
  if (::isatty(STDERR_FILENO)) options.on_progress = draw_progress;

  auto manifest = render_job(*job, *providers, *diacritizer, options, output->file());
  if (!manifest) return fail(manifest.error());

  if (manifest_file) {
    const std::string text = manifest->to_json() + "\n";
    if (std::fwrite(text.data(), 1, text.size(), manifest_file->file()) != text.size()) {
      return fail(Error{ErrorKind::kIo, "cannot write the manifest", "manifest"});
    }
    if (Status s = manifest_file->commit(); !s) return fail(s.error());
  }
  if (Status s = output->commit(); !s) return fail(s.error());
  return 0;
}

}  // namespace polyvox
