// Renders a whole job in this process: blocks concurrently on a pool of threads, each segment
// spilled to a scratch directory, then one assembly. The offline pipeline of `polyvox synth`.
#pragma once

#include <cstdio>
#include <filesystem>
#include <functional>

#include "core/error.h"
#include "core/job.h"
#include "core/manifest.h"
#include "providers/provider_registry.h"
#include "providers/retry_policy.h"
#include "text/diacritizer.h"
#include "worker/block_renderer.h"

namespace polyvox {

struct JobRenderOptions {
  RenderOptions render;
  RetryPolicy retry;                  // transient failures are retried in-process
  AudioCache* cache = nullptr;        // optional
  unsigned concurrency = 0;           // threads; 0 = one per core
  std::filesystem::path scratch_dir;  // REQUIRED: an existing, writable, empty directory
  std::function<void(std::size_t done, std::size_t total)> on_progress;  // may be empty
};

// Renders `job` into `out` (an empty, seekable file opened for writing). On a block failure the
// remaining blocks are abandoned and the error names the block: "block 3 (provider espeak,
// voice en): <reason>", kind as the block's error. REQUIRES: every block's provider is usable in
// `providers` (the job was validated against it). Thread-compatible.
Result<Manifest> render_job(const JobSpec& job, const ProviderRegistry& providers,
                            Diacritizer& diacritizer, const JobRenderOptions& options,
                            std::FILE* out);

}  // namespace polyvox
