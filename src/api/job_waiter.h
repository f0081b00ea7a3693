// Waiting for a job to finish without polling the store in a loop: woken by the node's EventHub.
#pragma once

#include <chrono>
#include <string>

#include "core/error.h"
#include "jobs/event_hub.h"
#include "jobs/job_store.h"

namespace polyvox {

// Returns job `id` (without its blocks) once it is finished (completed, failed or cancelled),
// read after the event that said so; kUnavailable when `timeout` passes first, or the store's
// error. Woken by `hub`'s events for the job and, as a backstop for an event lost to a resync,
// re-reads the job at least once a second (every 250 ms without a hub). Blocks the calling
// thread: call it on the blocking pool, never on an I/O thread. Thread-safe.
Result<JobRecord> wait_for_job(EventHub* hub, JobStore& jobs, const std::string& id,
                               std::chrono::milliseconds timeout);

}  // namespace polyvox
