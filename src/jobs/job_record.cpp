#include "jobs/job_record.h"

namespace polyvox {
namespace {

constexpr const char* kJobStatusNames[] = {"queued", "processing", "completed", "failed",
                                           "cancelled"};
constexpr const char* kBlockStatusNames[] = {"queued", "processing", "done", "failed",
                                             "cancelled"};

}  // namespace

const char* job_status_name(JobStatus status) {
  return kJobStatusNames[static_cast<int>(status)];
}

const char* block_status_name(BlockStatus status) {
  return kBlockStatusNames[static_cast<int>(status)];
}

std::optional<JobStatus> parse_job_status(std::string_view name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kJobStatusNames[i]) return static_cast<JobStatus>(i);
  }
  return std::nullopt;
}

std::optional<BlockStatus> parse_block_status(std::string_view name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kBlockStatusNames[i]) return static_cast<BlockStatus>(i);
  }
  return std::nullopt;
}

}  // namespace polyvox
