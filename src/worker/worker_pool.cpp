#include "worker/worker_pool.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>

#include "audio/assembler.h"
#include "audio/audio_encoder.h"
#include "audio/final_encoder.h"
#include "audio/id3_chapters.h"
#include "core/ids.h"
#include "core/manifest.h"
#include "log/log.h"
#include "worker/blob_keys.h"
#include "worker/final_file.h"

namespace polyvox {
namespace {

// One claim: two attempts of one task may be in one pool at once (the first, failed for now,
// finishing its bookkeeping while another slot claims the retry), each with its own lease.
std::string task_key(const Task& task) {
  return task.job_id +
         (task.kind == TaskKind::kBlock ? "/b" + std::to_string(task.block_index)
                                        : std::string("/assemble")) +
         "#" + std::to_string(task.attempt);
}

// The block a task renders; nullopt for an assembly.
std::optional<std::size_t> block_of(const Task& task) {
  if (task.kind != TaskKind::kBlock) return std::nullopt;
  return task.block_index;
}

}  // namespace

WorkerPool::WorkerPool(TaskQueue& queue, JobStore& jobs, BlobStore& blobs,
                       ProviderRegistry& providers, Diacritizer& diacritizer, AudioCache* cache,
                       const Clock& clock, MetricsRegistry& metrics, WorkerOptions options)
    : queue_(queue),
      jobs_(jobs),
      blobs_(blobs),
      providers_(providers),
      diacritizer_(diacritizer),
      cache_(cache),
      clock_(clock),
      options_(std::move(options)),
      audio_slots_(options_.audio_threads),
      blocks_done_(metrics.counter("polyvox_blocks_done_total", "Blocks rendered").with({})),
      blocks_failed_(
          metrics.counter("polyvox_blocks_failed_total", "Blocks that failed for good").with({})),
      retries_(
          metrics.counter("polyvox_task_retries_total", "Task failures retried later").with({})),
      assemblies_(metrics.counter("polyvox_assemblies_total", "Final files assembled").with({})),
      characters_sent_(metrics.counter("polyvox_provider_characters_total",
                                       "Characters sent to providers", {"provider"})),
      provider_latency_(metrics.histogram("polyvox_provider_latency_seconds",
                                          "Time to render a block, by provider", {"provider"})) {
  if (options_.worker_id.empty()) options_.worker_id = "worker-" + random_hex(6);
  std::error_code ec;
  std::filesystem::create_directories(options_.scratch_dir, ec);
  if (ec) {  // assemblies will fail, each with the reason; the process is not ended for it
    log::error("cannot create the scratch directory",
               {{"dir", options_.scratch_dir.string()}, {"error", ec.message()}});
  }
}

WorkerPool::~WorkerPool() { stop(0); }

void WorkerPool::start() {
  for (unsigned i = 0; i < std::max(1u, options_.concurrency); ++i) {
    threads_.emplace_back([this, i] { work_loop(i); });
  }
  heartbeat_thread_ = std::thread([this] { heartbeat_loop(); });
}

void WorkerPool::stop(int64_t grace_ms) {
  std::call_once(stop_once_, [&] {
    stopping_ = true;
    queue_.interrupt();
    {
      std::unique_lock lock(mutex_);
      wake_.notify_all();
      // Wait for tasks in progress to finish; past the grace period give them back.
      wake_.wait_for(lock, std::chrono::milliseconds(grace_ms), [&] { return in_flight_.empty(); });
      for (auto& [key, task] : in_flight_) {
        (void)queue_.release(task);
        lost_[key] = true;
      }
    }
    for (auto& t : threads_) t.join();
    if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
  });
}

void WorkerPool::work_loop(unsigned slot) {
  const std::string worker = options_.worker_id + "/" + std::to_string(slot);
  bool claim_failing = false;
  while (!stopping_) {
    Result<std::optional<Task>> claimed = std::optional<Task>();
    if (!log::catching("claim", [&] {
          claimed = queue_.claim(worker, options_.lease_ms, options_.idle_wait_ms);
        })) {
      claimed = Error{ErrorKind::kInternal, "claim failed", ""};
    }
    if (!claimed) {
      // Said once per outage and slot, not once a second.
      if (!claim_failing) {
        log::warn("cannot claim a task", {{"worker", worker}, {"error", claimed.error().message}});
      }
      claim_failing = true;
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_.load(); });
      continue;
    }
    if (claim_failing) log::info("claiming tasks again", {{"worker", worker}});
    claim_failing = false;
    if (!claimed->has_value()) continue;
    const Task task = **claimed;
    if (stopping_) {
      (void)queue_.release(task);
      break;
    }
    {
      std::lock_guard lock(mutex_);
      in_flight_[task_key(task)] = task;
      lost_[task_key(task)] = false;
    }
    ++busy_;
    const bool finished = log::catching("worker task", [&] {
      if (task.kind == TaskKind::kBlock) {
        run_block(task);
      } else {
        run_assembly(task);
      }
    });
    if (!finished) {
      // A bug or a library's surprise: the task fails for good (its error is in the log) and
      // this worker goes on with the next one.
      (void)log::catching("worker task failure report", [&] {
        fail_for_good(task, Error{ErrorKind::kInternal, "internal error while rendering", ""});
      });
    }
    if (--busy_ == 0 && options_.on_idle) options_.on_idle();
    std::lock_guard lock(mutex_);
    in_flight_.erase(task_key(task));
    lost_.erase(task_key(task));
    wake_.notify_all();
  }
}

void WorkerPool::heartbeat_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(options_.heartbeat_ms),
                   [&] { return stopping_.load(); });
    if (stopping_) break;
    std::vector<Task> tasks;
    for (const auto& [key, task] : in_flight_) tasks.push_back(task);
    lock.unlock();
    for (const Task& task : tasks) {
      (void)log::catching("heartbeat", [&] {
        auto kept = queue_.heartbeat(task, options_.lease_ms);
        if (kept && !*kept) {
          std::lock_guard relock(mutex_);
          if (lost_.count(task_key(task))) lost_[task_key(task)] = true;
        }
      });
    }
    lock.lock();
  }
}

bool WorkerPool::lost(const Task& task) {
  std::lock_guard lock(mutex_);
  auto it = lost_.find(task_key(task));
  return it != lost_.end() && it->second;
}

template <typename Report>
auto WorkerPool::report_durably(const Task& task, Report&& report, bool* resent)
    -> decltype(report()) {
  auto outcome = report();
  for (const int64_t times : {1, 5, 15}) {
    if (outcome || outcome.error().kind != ErrorKind::kUnavailable || lost(task)) break;
    log::warn("task report not stored; sending it again",
              {{"job_id", task.job_id},
               {"block", static_cast<long long>(task.block_index)},
               {"attempt", static_cast<long long>(task.attempt)},
               {"error", outcome.error().message}});
    std::this_thread::sleep_for(std::chrono::milliseconds(times * options_.report_retry_ms));
    if (lost(task)) break;  // given back meanwhile (a stop past its grace): not ours to report
    if (resent) *resent = true;
    outcome = report();
  }
  return outcome;
}

void WorkerPool::report_failure(const Task& task, const Error& error, int failures_before,
                                std::vector<ProviderUsage> usage,
                                const std::string& retried_provider) {
  const int attempt = failures_before + 1;  // this attempt's place in the retry budget
  if (!options_.retry.may_retry(error, attempt)) {
    fail_for_good(task, error, usage);
    return;
  }
  // The worker is free meanwhile: the queue hands the task out again when it is due.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const int64_t retry_at = clock_.now_ms() + options_.retry.delay_ms(attempt, error, rng);
  retries_.add();
  if (!retried_provider.empty()) {
    ProviderUsage retried;
    retried.provider = retried_provider;
    retried.retries = 1;
    add_usage(usage, retried);
  }
  (void)queue_.fail_task(task, error.message, retry_at, usage);
  log::warn("task will be retried", {{"job_id", task.job_id},
                                     {"block", static_cast<long long>(task.block_index)},
                                     {"attempt", static_cast<long long>(task.attempt)},
                                     {"error", error.message}});
}

bool WorkerPool::fail_for_good(const Task& task, const Error& error,
                               const std::vector<ProviderUsage>& usage) {
  auto reported = queue_.fail_task(task, error.message, std::nullopt, usage);
  const bool accepted = reported && *reported == ReportOutcome::kAccepted;
  if (accepted && task.kind == TaskKind::kBlock) blocks_failed_.add();
  log::write(accepted ? log::Level::kError : log::Level::kWarn, "task failed",
             {{"job_id", task.job_id},
              {"block", static_cast<long long>(task.block_index)},
              {"attempt", static_cast<long long>(task.attempt)},
              {"error", error.message}});
  if (accepted && options_.observer)
    options_.observer->job_failed(task.job_id, block_of(task), error);
  return accepted;
}

void WorkerPool::run_block(const Task& task) {
  const auto started = std::chrono::steady_clock::now();
  auto work = jobs_.get_block(task.job_id, task.block_index);
  if (!work) {
    if (work.error().kind == ErrorKind::kNotFound) {
      (void)queue_.fail_task(task, "job or block no longer exists", std::nullopt, {});
    } else {
      report_failure(task, work.error(), 0);
    }
    return;
  }
  if (is_finished(work->job_status)) {
    (void)queue_.fail_task(task, "job already finished", std::nullopt, {});
    return;
  }
  const BlockSpec& spec = work->block.spec;
  BlockContext context;
  context.providers = &providers_;
  context.diacritizer = &diacritizer_;
  context.cache = cache_;
  context.audio_slots = &audio_slots_;
  context.options = options_.render;
  const AudioOutput output =
      resolve_output(work->output_format, work->sample_rate, work->bitrate_kbps,
                     options_.render.segment.sample_rate, options_.render.segment.mp3_bitrate_kbps);
  context.options.segment.format = output.format;
  context.options.segment.sample_rate = output.sample_rate;
  if (output.format == OutputFormat::kMp3) {
    context.options.segment.mp3_bitrate_kbps = output.bitrate_kbps;
  }
  context.first = task.block_index == 0;
  context.last = task.block_index + 1 == work->blocks_total;
  context.profile = work->profile;
  // The last attempt allowed for a transient failure moves on to the block's fallbacks.
  context.final_attempt = task.failures >= options_.retry.max_retries;
  // The neighbours' text, for a provider that uses it: two more store reads.
  const Provider* provider = providers_.find(spec.provider);
  const bool with_neighbours = provider && provider->uses_neighbour_text();
  for (int direction : {-1, +1}) {
    if (!with_neighbours || (direction < 0 && task.block_index == 0) ||
        (direction > 0 && task.block_index + 1 >= work->blocks_total)) {
      continue;
    }
    auto neighbour = jobs_.get_block(task.job_id, task.block_index + direction);
    if (neighbour && neighbour->block.spec.provider == spec.provider &&
        neighbour->block.spec.voice == spec.voice) {
      (direction < 0 ? context.previous_text : context.next_text) = neighbour->block.spec.text;
    }
  }
  const auto render_started = std::chrono::steady_clock::now();
  // What this attempt cost, reported with its outcome whatever it is: vendors bill failed
  // calls too.
  std::vector<ProviderUsage> spent;
  Result<RenderedBlock> rendered = render_block(spec, context, &spent);
  const auto render_ended = std::chrono::steady_clock::now();
  for (const auto& u : spent) {
    characters_sent_.with({u.provider}).add(u.characters);
  }
  if (!rendered) {
    report_failure(task, rendered.error(), task.failures, spent, spec.provider);
    return;
  }
  provider_latency_.with({rendered->provider})
      .observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (lost(task)) return;  // another attempt owns the block now; discard
  const std::string key = segment_key(task, work->output_format);
  if (Status s = blobs_.put(key, rendered->segment.bytes); !s) {
    report_failure(task, s.error(), task.failures, spent, spec.provider);
    return;
  }
  BlockResult result{key,
                     rendered->segment.speech_samples,
                     rendered->segment.pause_samples,
                     rendered->provider,
                     rendered->voice_id,
                     spent,
                     rendered->spoken_text,
                     rendered->timings.source.empty() ? "" : rendered->timings.to_json()};
  bool resent = false;
  auto completed = report_durably(
      task, [&] { return queue_.complete_block(task, result); }, &resent);
  // Sent again after an unanswered send: a duplicate is that first send, stored.
  if (completed && resent && completed->outcome == ReportOutcome::kDuplicate) {
    completed->outcome = ReportOutcome::kAccepted;
  }
  if (!completed) {
    report_failure(task, completed.error(), task.failures, spent, spec.provider);
    return;
  }
  if (completed->outcome == ReportOutcome::kRefused) {
    (void)blobs_.remove(key);  // a late result: the block belongs to another attempt
    log::info("late block result refused", {{"job_id", task.job_id},
                                            {"block", static_cast<long long>(task.block_index)},
                                            {"attempt", static_cast<long long>(task.attempt)}});
    return;
  }
  if (completed->outcome == ReportOutcome::kAccepted) {
    blocks_done_.add();
    if (options_.observer) options_.observer->block_done(task.job_id, task.block_index);
  }
  // Where the block's time went: reading it (and its neighbours), rendering (provider calls
  // and audio work), storing its segment and reporting it.
  const auto ms = [](auto from, auto to) {
    return static_cast<long long>(std::chrono::duration<double, std::milli>(to - from).count());
  };
  log::debug("block done",
             {{"job_id", task.job_id},
              {"block", static_cast<long long>(task.block_index)},
              {"provider", rendered->provider},
              {"read_ms", ms(started, render_started)},
              {"render_ms", ms(render_started, render_ended)},
              {"store_report_ms", ms(render_ended, std::chrono::steady_clock::now())}});
}

void WorkerPool::run_assembly(const Task& task) {
  auto job = jobs_.get_job(task.job_id, true);
  if (!job) {
    if (job.error().kind == ErrorKind::kNotFound) {
      (void)queue_.fail_task(task, "job no longer exists", std::nullopt, {});
    } else {
      report_failure(task, job.error(), 0);
    }
    return;
  }
  Manifest manifest;
  manifest.format = job->output_format;
  const AudioOutput output =
      resolve_output(job->output_format, job->sample_rate, job->bitrate_kbps,
                     options_.render.segment.sample_rate, options_.render.segment.mp3_bitrate_kbps);
  manifest.sample_rate = output.sample_rate;
  std::vector<std::string> keys;
  int64_t offset = 0;
  for (const auto& block : job->blocks) {
    if (block.status != BlockStatus::kDone || !block.result) {
      fail_for_good(task, Error{ErrorKind::kInternal,
                                "block " + std::to_string(block.index) + " is not done", ""});
      return;
    }
    keys.push_back(block.result->segment_key);
    BlockTimings timings = BlockTimings::from_json(block.result->timing_json);
    manifest.blocks.push_back({block.index, block.result->provider, block.result->voice_id, offset,
                               block.result->speech_samples, block.result->pause_samples,
                               block.result->spoken_text, std::move(timings.source),
                               std::move(timings.words)});
    offset += block.result->speech_samples + block.result->pause_samples;
  }
  manifest.total_samples = offset;
  manifest.chapters = job_chapters(*job, manifest);
  manifest.profile = job->profile;
  auto cover = job_cover(*job, blobs_);
  if (!cover) {
    if (cover.error().kind == ErrorKind::kInvalidInput) {
      fail_for_good(task, cover.error());
    } else {
      report_failure(task, cover.error(), 0);
    }
    return;
  }

  const auto temp = options_.scratch_dir / ("assembly-" + task.job_id + "-" + random_hex(4));
  const audio::SegmentSource source = [&](std::size_t i) { return blobs_.get(keys[i]); };
  Result<audio::AssemblyResult> assembled = Error{ErrorKind::kInternal, "not assembled", ""};
  if (audio::needs_encoder(output.format)) {
    assembled = audio::encode_segments(output, keys.size(), source, temp,  // encoded once
                                       manifest.chapters, std::move(cover.value()));
  } else {
    std::FILE* out = std::fopen(temp.c_str(), "w+b");
    if (!out) {
      report_failure(task, Error{ErrorKind::kIo, "cannot create " + temp.string(), ""}, 0);
      return;
    }
    const std::string id3 = output.format == OutputFormat::kMp3
                                ? audio::id3_chapter_tag(manifest.chapters, output.sample_rate)
                                : std::string();
    const audio::WavPlan wav{static_cast<uint64_t>(manifest.total_samples) * 2};
    assembled = audio::assemble_segments(output.format, keys.size(), source, out, id3, wav);
    std::fclose(out);
  }
  std::error_code ignored;
  if (assembled && assembled->samples != manifest.total_samples) {
    std::filesystem::remove(temp, ignored);
    fail_for_good(task, Error{ErrorKind::kInternal,
                              "assembled duration (" + std::to_string(assembled->samples) +
                                  " samples) differs from the blocks' total (" +
                                  std::to_string(manifest.total_samples) + ")",
                              ""});
    return;
  }
  if (assembled && job->profile != DeliveryProfile::kServer) {
    // Measured on the file as it will be served; a profile's file outside its tolerance fails
    // the job with the measurements as its reason.
    auto measured = measure_final_file(temp, output.format, output.sample_rate);
    if (!measured) {
      assembled = measured.take_error();
    } else {
      manifest.loudness = *measured;
      const std::string violation = profile_violation(job->profile, *measured);
      if (!violation.empty()) {
        std::filesystem::remove(temp, ignored);
        fail_for_good(task, Error{ErrorKind::kSynthesisFailed, violation, ""});
        return;
      }
    }
  }
  const std::string key = result_key(task, job->output_format);
  Status stored = assembled ? blobs_.put_file(key, temp) : Status(assembled.error());
  std::filesystem::remove(temp, ignored);
  if (!stored) {
    report_failure(task, stored.error(), 0);
    return;
  }
  const AssemblyOutcome outcome{key, manifest.to_json(-1), static_cast<int64_t>(assembled->bytes)};
  bool resent = false;
  auto completed = report_durably(
      task, [&] { return queue_.complete_assembly(task, outcome); }, &resent);
  if (completed && resent && *completed == ReportOutcome::kDuplicate) {
    completed = ReportOutcome::kAccepted;  // the first, unanswered send was stored
  }
  if (!completed) {
    // The file stays (the report may have been stored; if not, it goes with its job's other
    // files). A failure like the assembly's others: retried later and counted towards the
    // poison limit (release() would not count it: an error that always comes back would loop).
    log::warn("assembly not reported; the job will be assembled again",
              {{"job_id", job->id}, {"error", completed.error().message}});
    report_failure(task, completed.error(), 0);
    return;
  }
  if (completed && *completed == ReportOutcome::kRefused) {
    // Cancelled, deleted, or finished by another attempt: nothing may keep this file.
    (void)blobs_.remove(key);
    log::info("late assembly refused", {{"job_id", job->id}});
    return;
  }
  if (completed && *completed == ReportOutcome::kAccepted) {
    assemblies_.add();
    if (options_.observer) options_.observer->job_completed(job->id);
    log::info("job completed", {{"job_id", job->id},
                                {"blocks", static_cast<long long>(job->blocks.size())},
                                {"bytes", static_cast<long long>(assembled->bytes)}});
  }
}

}  // namespace polyvox
