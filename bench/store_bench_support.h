// What the store benchmarks (sqlite_store_bench, redis_store_bench) share: wall time since a
// point, and a job of `blocks` ordinary espeak blocks.
#pragma once

#include <chrono>
#include <string>

#include "core/ids.h"
#include "jobs/job_store.h"

namespace polyvox::bench {

using Steady = std::chrono::steady_clock;

inline double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

inline NewJob job_of(int blocks) {
  NewJob job;
  job.id = new_uuid4();
  job.owner = "bench";
  for (int i = 0; i < blocks; ++i) {
    job.spec.blocks.push_back(BlockSpec{
        "Block " + std::to_string(i) + ": a sentence of ordinary length to be spoken aloud.", 250,
        "espeak", "default", false});
  }
  return job;
}

}  // namespace polyvox::bench
