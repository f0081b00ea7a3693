#include "worker/job_renderer.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "audio/assembler.h"

namespace polyvox {
namespace {

std::filesystem::path segment_path(const std::filesystem::path& dir, std::size_t index) {
  return dir / ("segment-" + std::to_string(index));
}

Status write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) return Error{ErrorKind::kIo, "cannot write " + path.string(), ""};
  return Status::success();
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorKind::kIo, "cannot read " + path.string(), ""};
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The text of the nearest block before (direction -1) or after (+1) block `i` when it has the
// same provider and voice, else "".
std::string neighbour_text(const JobSpec& job, std::size_t i, int direction) {
  const auto j = static_cast<std::ptrdiff_t>(i) + direction;
  if (j < 0 || j >= static_cast<std::ptrdiff_t>(job.blocks.size())) return "";
  const BlockSpec& a = job.blocks[i];
  const BlockSpec& b = job.blocks[static_cast<std::size_t>(j)];
  return a.provider == b.provider && a.voice == b.voice ? b.text : "";
}

}  // namespace

Result<Manifest> render_job(const JobSpec& job, const ProviderRegistry& providers,
                            Diacritizer& diacritizer, const JobRenderOptions& options,
                            std::FILE* out) {
  const std::size_t total = job.blocks.size();
  struct Done {
    std::string provider;
    std::string voice_id;
    int64_t speech_samples = 0;
    int64_t pause_samples = 0;
  };
  std::vector<std::optional<Done>> done(total);
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> finished{0};
  std::atomic<bool> failed{false};
  RenderOptions render = options.render;
  render.segment.format = job.output_format;
  std::mutex mutex;  // guards first_error, first_error_index and progress reporting
  std::optional<Error> first_error;
  std::size_t first_error_index = total;

  auto work = [&] {
    while (!failed.load()) {
      const std::size_t i = next.fetch_add(1);
      if (i >= total) return;
      const BlockSpec& block = job.blocks[i];
      BlockContext context;
      context.providers = &providers;
      context.diacritizer = &diacritizer;
      context.cache = options.cache;
      context.options = render;
      context.last = i + 1 == total;
      context.previous_text = neighbour_text(job, i, -1);
      context.next_text = neighbour_text(job, i, +1);
      thread_local std::mt19937_64 rng{std::random_device{}()};
      Result<RenderedBlock> rendered = Error{ErrorKind::kInternal, "not rendered", ""};
      for (int attempt = 1;; ++attempt) {
        context.final_attempt = attempt > options.retry.max_retries;
        rendered = render_block(block, context);
        if (rendered || !options.retry.may_retry(rendered.error(), attempt) || failed.load()) {
          break;
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(options.retry.delay_ms(attempt, rendered.error(), rng)));
      }
      Status stored =
          rendered ? write_file(segment_path(options.scratch_dir, i), rendered->segment.bytes)
                   : Status(rendered.error());
      std::lock_guard lock(mutex);
      if (!stored) {
        if (i < first_error_index) {
          const Error& e = stored.error();
          first_error_index = i;
          first_error = Error{e.kind,
                              "block " + std::to_string(i) + " (provider " + block.provider +
                                  ", voice " + block.voice + "): " + e.message,
                              "blocks[" + std::to_string(i) + "]"};
        }
        failed = true;
        return;
      }
      done[i] = Done{rendered->provider, rendered->voice_id, rendered->segment.speech_samples,
                     rendered->segment.pause_samples};
      const std::size_t count = ++finished;
      if (options.on_progress) options.on_progress(count, total);
    }
  };

  unsigned threads =
      options.concurrency ? options.concurrency : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, total));
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  pool.clear();  // joins
  if (first_error) return *first_error;

  Manifest manifest;
  manifest.format = job.output_format;
  manifest.sample_rate = options.render.segment.sample_rate;
  int64_t offset = 0;
  for (std::size_t i = 0; i < total; ++i) {
    const Done& d = *done[i];
    manifest.blocks.push_back(
        {i, d.provider, d.voice_id, offset, d.speech_samples, d.pause_samples});
    offset += d.speech_samples + d.pause_samples;
  }
  manifest.total_samples = offset;

  auto assembled = audio::assemble_segments(
      job.output_format, total,
      [&](std::size_t i) { return read_file(segment_path(options.scratch_dir, i)); }, out);
  if (!assembled) return assembled.take_error();
  if (assembled->samples != manifest.total_samples) {
    return Error{ErrorKind::kInternal,
                 "assembled duration (" + std::to_string(assembled->samples) +
                     " samples) differs from the blocks' total (" +
                     std::to_string(manifest.total_samples) + ")",
                 ""};
  }
  return manifest;
}

}  // namespace polyvox
