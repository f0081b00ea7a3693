// Benchmark of the Redis job store (jobs/redis/) against a running redis-server.
//   redis_store_bench REDIS_URL   prints:
//   - Redis round trips per block of one 10-block job run by one worker (create, every claim and
//     report, the assembly), counted by the client, and the commands Redis executed for it
//     (INFO commandstats before and after: scripts' inner commands included);
//   - create_job/s of 10-block jobs from 16 callers;
//   - claim+complete throughput (tasks/s) of 1, 4 and 8 workers, each on its own connections, on
//     200 jobs of 10 blocks (+ one assembly each).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "jobs/redis/redis_job_store.h"
#include "store_bench_support.h"

using namespace polyvox;
using bench::seconds_since;
using bench::Steady;

namespace {

constexpr int kBlocks = 10;

[[noreturn]] void fail(const std::string& what, const Error& error) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), error.message.c_str());
  std::exit(1);
}

std::shared_ptr<redis::Pool> make_pool(const redis::Endpoint& endpoint) {
  return std::make_shared<redis::Pool>(endpoint, redis::PoolOptions{});
}

// Commands Redis has executed so far, by INFO commandstats (INFO itself left out).
int64_t commands_executed(redis::Pool& pool) {
  auto info = pool.run({"INFO", "commandstats"});
  if (!info) fail("INFO", info.error());
  std::istringstream lines(info->str);
  int64_t total = 0;
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("cmdstat_") || line.starts_with("cmdstat_info:")) continue;
    const auto calls = line.find("calls=");
    if (calls != std::string::npos) total += std::stoll(line.substr(calls + 6));
  }
  return total;
}

// Runs every due task of the store to completion on one worker; returns tasks run.
int run_all(redis::RedisJobStore& store, const std::string& worker) {
  int tasks = 0;
  for (;;) {
    auto task = store.claim(worker, 60'000, 0);
    if (!task) fail("claim", task.error());
    if (!task->has_value()) return tasks;
    const Task& t = **task;
    if (t.kind == TaskKind::kBlock) {
      BlockResult result{"seg/" + t.job_id + "/" + std::to_string(t.block_index),
                         1000,
                         10,
                         "espeak",
                         "en",
                         {{"espeak", 1, 60, 0, 0, 0}}};
      if (auto done = store.complete_block(t, result); !done) fail("complete_block", done.error());
    } else if (auto done = store.complete_assembly(t, {"res/" + t.job_id, "{}", 100}); !done) {
      fail("complete_assembly", done.error());
    }
    ++tasks;
  }
}

void report_round_trips(const redis::Endpoint& endpoint) {
  auto pool = make_pool(endpoint);
  redis::RedisJobStore store(pool, {.key_prefix = "bench-rt-" + new_uuid4() + ":"});
  // Warm-up: creates the consumer group and loads every script used below (SCRIPT LOAD).
  const NewJob warm_up = bench::job_of(kBlocks);
  if (auto created = store.create_job(warm_up); !created) fail("create_job", created.error());
  run_all(store, "warm-up");
  if (auto read = store.get_job(warm_up.id, true); !read) fail("get_job", read.error());
  const NewJob job = bench::job_of(kBlocks);
  const int64_t commands_before = commands_executed(*pool);
  const int64_t trips_before = static_cast<int64_t>(pool->round_trips());
  if (auto created = store.create_job(job); !created) fail("create_job", created.error());
  const int tasks = run_all(store, "worker");
  const int64_t trips = static_cast<int64_t>(pool->round_trips()) - trips_before;
  const int64_t commands = commands_executed(*pool) - commands_before;
  std::printf(
      "one %d-block job, one worker (create, %d claims and reports, a last empty claim):\n"
      "  %lld client round trips = %.1f per block;  %lld commands executed by Redis = %.1f per "
      "block\n",
      kBlocks, tasks, static_cast<long long>(trips), static_cast<double>(trips) / kBlocks,
      static_cast<long long>(commands), static_cast<double>(commands) / kBlocks);
  const int64_t read_before = static_cast<int64_t>(pool->round_trips());
  if (auto read = store.get_job(job.id, true); !read) fail("get_job", read.error());
  std::printf("  GET /status (get_job with blocks): %lld round trip(s)\n",
              static_cast<long long>(pool->round_trips()) - read_before);
}

void report_create(const redis::Endpoint& endpoint) {
  constexpr int kCallers = 16, kJobs = 4'000;
  auto pool = make_pool(endpoint);
  redis::RedisJobStore store(pool, {.key_prefix = "bench-create-" + new_uuid4() + ":"});
  std::vector<std::vector<double>> ms(kCallers);
  const auto start = Steady::now();
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int i = c; i < kJobs; i += kCallers) {
        const NewJob job = bench::job_of(kBlocks);
        const auto call = Steady::now();
        if (auto created = store.create_job(job); !created) fail("create_job", created.error());
        ms[c].push_back(seconds_since(call) * 1e3);
      }
    });
  }
  for (auto& caller : callers) caller.join();
  const double rate = kJobs / seconds_since(start);
  std::vector<double> all;
  for (auto& v : ms) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  std::printf(
      "create_job, %d blocks, %d callers                 %8.0f jobs/s  median %.2f ms  "
      "p99 %.2f ms\n",
      kBlocks, kCallers, rate, all[all.size() / 2], all[all.size() * 99 / 100]);
}

void report_claim_complete(const redis::Endpoint& endpoint, int workers) {
  constexpr int kJobs = 200;
  const std::string prefix = "bench-claim-" + new_uuid4() + ":";
  {
    redis::RedisJobStore setup(make_pool(endpoint), {.key_prefix = prefix});
    for (int i = 0; i < kJobs; ++i) {
      if (auto created = setup.create_job(bench::job_of(kBlocks)); !created) {
        fail("create_job", created.error());
      }
    }
  }
  std::vector<std::unique_ptr<redis::RedisJobStore>> nodes;  // each worker its own connections
  for (int w = 0; w < workers; ++w) {
    nodes.push_back(std::make_unique<redis::RedisJobStore>(
        make_pool(endpoint), redis::JobStoreOptions{.key_prefix = prefix}));
  }
  std::atomic<int> done{0};
  const auto start = Steady::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] { done += run_all(*nodes[w], "worker-" + std::to_string(w)); });
  }
  for (auto& thread : threads) thread.join();
  const double elapsed = seconds_since(start);
  const int expected = kJobs * (kBlocks + 1);
  if (done != expected) {
    std::fprintf(stderr, "ran %d tasks, expected %d\n", done.load(), expected);
    std::exit(1);
  }
  std::printf("claim+complete, %d worker(s), %d jobs x %d blocks + assembly  %8.0f tasks/s\n",
              workers, kJobs, kBlocks, expected / elapsed);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: redis_store_bench REDIS_URL\n");
    return 2;
  }
  auto endpoint = redis::parse_redis_url(argv[1]);
  if (!endpoint) fail("REDIS_URL", endpoint.error());
  std::printf("Redis job store at %s (%u cores)\n", endpoint->display().c_str(),
              std::thread::hardware_concurrency());
  report_round_trips(*endpoint);
  report_create(*endpoint);
  for (int workers : {1, 4, 8}) report_claim_complete(*endpoint, workers);
  return 0;
}
