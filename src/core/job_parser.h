// Parses and validates a job document (the JSON accepted by `polyvox synth` and POST /tts).
// Pure: no I/O; provider knowledge comes through ProviderDirectory.
#pragma once

#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/error_list.h"
#include "core/job.h"
#include "core/provider_directory.h"

namespace polyvox {

struct JobParseOptions {
  JobLimits limits;
  std::string default_provider = "espeak";  // used for blocks without "provider"
  std::string default_webhook_url;          // WEBHOOK_URL: of jobs without "webhook_url"
};

// Returns the validated job or the first problem found; `*details` (when given) then lists every
// problem (core/error_list.h), in document order, the first included, at most kMaxErrorDetails
// (untouched on success). Each names
// the JSON path of the offending value ("blocks[3].wait_after_ms") and the first's kind is
// kInvalidInput, kUnknownProvider or kUnknownVoice. The text itself is read by
// parse_json_input (core/json_input.h): malformed JSON names line and column, invalid UTF-8 is
// rejected, and so are repeated keys. Unknown fields are errors. The seed's "user_id" is
// accepted and ignored. null is taken as absent. "webhook_url" absent or null takes
// options.default_webhook_url; "" means no webhook. "sample_rate" and "bitrate_kbps" (absent or
// null: 0, the default) are checked against "output_format" by check_output_settings
// (core/output_format.h). "profile" is a delivery profile's name (absent or null: kServer);
// "cover_url" a cover path (core/cover_ref.h; absent, null or "": none); a block's "chapter" a
// title (core/job.h: BlockSpec::chapter). Thread-safe.
Result<JobSpec> parse_job(std::string_view json_text, const JobParseOptions& options,
                          const ProviderDirectory& providers,
                          std::vector<ErrorDetail>* details = nullptr);

}  // namespace polyvox
