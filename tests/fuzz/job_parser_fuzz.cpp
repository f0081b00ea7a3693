// The job parser and validator (core/job_parser.h) on arbitrary bytes, against a fixed provider
// directory. A job it accepts must satisfy every limit it promises to enforce.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/job_parser.h"
#include "core/letters.h"
#include "core/utf8.h"
#include "fuzz_check.h"
#include "stub_directory.h"

using polyvox::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const polyvox::fuzz::StubDirectory directory(
      {{"espeak", {"en", "en-us", "ar", "fr"}}, {"flite", {"slt", "rms", "awb"}}});
  polyvox::JobParseOptions options;
  options.limits.max_blocks = 20;
  options.limits.max_text_chars = 300;
  options.limits.max_fallbacks = 3;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<polyvox::ErrorDetail> details;
  const auto job = polyvox::parse_job(text, options, directory, &details);
  if (!job.ok()) {
    check(!job.error().message.empty(), "a rejected job's error has a message");
    check(!details.empty() && details.size() <= polyvox::kMaxErrorDetails,
          "a rejected job lists 1..kMaxErrorDetails problems");
    check(details.front().field == job.error().field &&
              details.front().message == job.error().message,
          "the first problem listed is the error");
    return 0;
  }
  check(!job->blocks.empty(), "an accepted job has blocks");
  check(job->blocks.size() <= options.limits.max_blocks, "blocks within max_blocks");
  for (const auto& block : job->blocks) {
    check(!block.text.empty(), "block text is not empty");
    check(polyvox::has_letter_or_digit(block.text), "block text has something to speak");
    check(polyvox::is_valid_utf8(block.text), "block text is valid UTF-8");
    check(polyvox::utf8_length(block.text) <= options.limits.max_text_chars,
          "block text within max_text_chars");
    check(block.wait_after_ms >= 0 && block.wait_after_ms <= options.limits.max_pause_ms,
          "wait_after_ms within 0..max_pause_ms");
    check(directory.unusable_reason(block.provider).empty(), "block provider is usable");
    check(directory.has_voice(block.provider, block.voice), "block voice belongs to provider");
    check(block.fallback.size() <= options.limits.max_fallbacks, "fallbacks within max");
    for (const auto& choice : block.fallback) {
      check(directory.unusable_reason(choice.provider).empty(), "fallback provider is usable");
      check(directory.has_voice(choice.provider, choice.voice), "fallback voice belongs");
    }
  }
  return 0;
}
