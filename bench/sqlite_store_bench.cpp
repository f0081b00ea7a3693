// Benchmark of the embedded SQLite job store (jobs/sqlite/).
//   sqlite_store_bench [DIR [create]]   runs in DIR (default: a fresh directory under /tmp) and
//   prints (with `create`, only the first figure, five times, with the CPU time per job: steadier
//   than a rate on a loaded machine, for comparing two builds side by side):
//   - create_job/s of 3-block jobs with 64 concurrent callers, synchronous=FULL and NORMAL,
//     alone and while 4 workers claim and complete tasks on the same store;
//   - get_job latency (with blocks) median and p99, from 1 and 4 threads;
//   - claim+complete throughput of 8 workers (block tasks and assemblies).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "jobs/sqlite/sqlite_job_store.h"
#include "store_bench_support.h"

namespace fs = std::filesystem;
using namespace polyvox;
using bench::seconds_since;
using bench::Steady;

namespace {

constexpr int kCallers = 64;
constexpr int kJobsPerRun = 30'000;
constexpr int kBlocks = 3;

struct Store {
  std::shared_ptr<sqlite::Database> db;
  std::unique_ptr<sqlite::SqliteJobStore> jobs;
};

Store open_store(const fs::path& path, bool full) {
  fs::remove(path);
  fs::remove(path.string() + "-wal");
  fs::remove(path.string() + "-shm");
  auto db = sqlite::Database::open({.path = path, .synchronous_full = full});
  if (!db) {
    std::fprintf(stderr, "open: %s\n", db.error().message.c_str());
    std::exit(1);
  }
  auto jobs = sqlite::SqliteJobStore::open(*db, {});
  if (!jobs) std::exit(1);
  return {*db, std::move(*jobs)};
}

// Workers claiming and completing every task until `stop`; returns tasks done through `done`.
std::vector<std::thread> start_workers(sqlite::SqliteJobStore& store, int n,
                                       std::atomic<bool>& stop, std::atomic<int64_t>& done) {
  std::vector<std::thread> workers;
  for (int w = 0; w < n; ++w) {
    workers.emplace_back([&store, &stop, &done, w] {
      const std::string id = "worker-" + std::to_string(w);
      while (!stop) {
        auto task = store.claim(id, 60'000, 50);
        if (!task.ok()) std::exit(1);
        if (!task->has_value()) continue;
        const Task& t = **task;
        bool ok = t.kind == TaskKind::kBlock
                      ? store.complete_block(t, {"seg/" + t.job_id, 1000, 10, "espeak", "en"}).ok()
                      : store.complete_assembly(t, {"res/" + t.job_id, "{}", 100}).ok();
        if (!ok) std::exit(1);
        ++done;
      }
    });
  }
  return workers;
}

// Sorts `samples` and returns its `p`-th percentile (0..100).
double percentile(std::vector<double>& samples, int p) {
  std::sort(samples.begin(), samples.end());
  return samples[std::min(samples.size() - 1, samples.size() * p / 100)];
}

struct CreateFigures {
  double jobs_per_s = 0;
  double median_ms = 0;
  double p99_ms = 0;
};

// Creates kJobsPerRun jobs from kCallers threads, timing each call; appends the ids to `ids`.
CreateFigures bench_create(sqlite::SqliteJobStore& store, std::vector<std::string>* ids) {
  std::vector<std::vector<NewJob>> per_caller(kCallers);
  for (int i = 0; i < kJobsPerRun; ++i) per_caller[i % kCallers].push_back(bench::job_of(kBlocks));
  std::vector<std::vector<double>> ms(kCallers);
  const auto start = Steady::now();
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&store, &jobs = per_caller[c], &ms = ms[c]] {
      ms.reserve(jobs.size());
      for (const NewJob& job : jobs) {
        const auto call = Steady::now();
        if (!store.create_job(job).ok()) std::exit(1);
        ms.push_back(seconds_since(call) * 1e3);
      }
    });
  }
  for (auto& c : callers) c.join();
  CreateFigures figures;
  figures.jobs_per_s = kJobsPerRun / seconds_since(start);
  std::vector<double> all;
  for (auto& v : ms) all.insert(all.end(), v.begin(), v.end());
  figures.median_ms = percentile(all, 50);
  figures.p99_ms = percentile(all, 99);
  if (ids != nullptr) {
    for (auto& jobs : per_caller) {
      for (auto& job : jobs) ids->push_back(job.id);
    }
  }
  return figures;
}

void report_create(const fs::path& dir, bool full) {
  const char* sync = full ? "FULL  " : "NORMAL";
  {
    Store store = open_store(dir / "create.db", full);
    const CreateFigures f = bench_create(*store.jobs, nullptr);
    const auto stats = store.db->write_stats();
    std::printf(
        "create_job, 3 blocks, %d callers, synchronous=%s          %8.0f jobs/s  median %.2f ms  "
        "p99 %.2f ms  (%.1f jobs per commit)\n",
        kCallers, sync, f.jobs_per_s, f.median_ms, f.p99_ms,
        static_cast<double>(stats.operations) / static_cast<double>(stats.transactions));
  }
  Store store = open_store(dir / "create.db", full);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  auto workers = start_workers(*store.jobs, 4, stop, done);
  const auto start = Steady::now();
  const CreateFigures f = bench_create(*store.jobs, nullptr);
  const double tasks_rate = static_cast<double>(done) / seconds_since(start);
  stop = true;
  store.jobs->interrupt();
  for (auto& w : workers) w.join();
  std::printf(
      "create_job, same, while 4 workers claim+complete, %s   %8.0f jobs/s  median %.2f ms  "
      "p99 %.2f ms  (workers: %.0f tasks/s)\n",
      sync, f.jobs_per_s, f.median_ms, f.p99_ms, tasks_rate);
}

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void report_create_cpu(const fs::path& dir) {
  for (int run = 0; run < 5; ++run) {
    Store store = open_store(dir / "create.db", false);
    const double cpu_before = cpu_seconds();
    const CreateFigures f = bench_create(*store.jobs, nullptr);
    const double cpu_us = (cpu_seconds() - cpu_before) * 1e6 / kJobsPerRun;
    std::printf(
        "create_job, 3 blocks, %d callers, synchronous=NORMAL        %8.0f jobs/s  %6.1f us "
        "CPU per job\n",
        kCallers, f.jobs_per_s, cpu_us);
    std::fflush(stdout);
  }
}

void report_get(const fs::path& dir) {
  Store store = open_store(dir / "get.db", true);
  std::vector<std::string> ids;
  bench_create(*store.jobs, &ids);
  for (int threads : {1, 4}) {
    constexpr int kCalls = 50'000;
    std::vector<std::vector<double>> us(threads);
    std::vector<std::thread> readers;
    for (int t = 0; t < threads; ++t) {
      readers.emplace_back([&, t] {
        std::mt19937 rng(t);
        us[t].reserve(kCalls);
        for (int i = 0; i < kCalls; ++i) {
          const std::string& id = ids[rng() % ids.size()];
          const auto start = Steady::now();
          auto job = store.jobs->get_job(id, true);
          us[t].push_back(seconds_since(start) * 1e6);
          if (!job.ok() || job->blocks.size() != kBlocks) std::exit(1);
        }
      });
    }
    for (auto& r : readers) r.join();
    std::vector<double> all;
    for (auto& v : us) all.insert(all.end(), v.begin(), v.end());
    const double median = percentile(all, 50);
    std::printf(
        "get_job with 3 blocks, %d reader thread(s)                 median %5.1f us   "
        "p99 %6.1f us\n",
        threads, median, percentile(all, 99));
  }
}

void report_claim_complete(const fs::path& dir) {
  Store store = open_store(dir / "claim.db", true);
  constexpr int kJobs = 5'000;
  for (int i = 0; i < kJobs; ++i) {
    if (!store.jobs->create_job(bench::job_of(kBlocks)).ok()) std::exit(1);
  }
  const int64_t total = int64_t{kJobs} * (kBlocks + 1);  // blocks and one assembly each
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  const auto start = Steady::now();
  auto workers = start_workers(*store.jobs, 8, stop, done);
  while (done < total) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double elapsed = seconds_since(start);
  stop = true;
  store.jobs->interrupt();
  for (auto& w : workers) w.join();
  std::printf(
      "claim+complete, 8 workers, synchronous=FULL              %8.0f tasks/s (%d jobs "
      "of 3 blocks + assembly)\n",
      total / elapsed, kJobs);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir;
  if (argc > 1) {
    dir = argv[1];
  } else {
    std::string pattern = (fs::temp_directory_path() / "sqlite-bench.XXXXXX").string();
    dir = ::mkdtemp(pattern.data());
  }
  fs::create_directories(dir);
  std::printf("SQLite job store (%u cores)\n", std::thread::hardware_concurrency());
  if (argc > 2 && std::string(argv[2]) == "create") {
    report_create_cpu(dir);
    return 0;
  }
  report_create(dir, true);
  report_create(dir, false);
  report_get(dir);
  report_claim_complete(dir);
  if (argc <= 1) fs::remove_all(dir);
  return 0;
}
