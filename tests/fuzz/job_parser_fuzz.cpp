// The job parser and validator (core/job_parser.h) on arbitrary bytes, against a fixed provider
// directory. A job it accepts must satisfy every limit it promises to enforce.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "core/job_parser.h"
#include "core/utf8.h"
#include "fuzz_check.h"

namespace {

using polyvox::fuzz::check;

// Two usable providers with a few voices, one known but unusable, everything else unknown.
class StubDirectory : public polyvox::ProviderDirectory {
 public:
  std::vector<std::string> usable_providers() const override { return {"espeak", "flite"}; }
  std::string unusable_reason(std::string_view provider) const override {
    if (voices_.count(std::string(provider)) > 0) return "";
    if (provider == "elevenlabs") return "ELEVENLABS_API_KEY is not set";
    return "unknown provider";
  }
  bool has_voice(std::string_view provider, std::string_view voice) const override {
    const auto it = voices_.find(std::string(provider));
    check(it != voices_.end(), "has_voice asked about an unusable provider");
    return voice == "default" || it->second.count(std::string(voice)) > 0;
  }
  std::vector<std::string> example_voices(std::string_view provider) const override {
    const auto it = voices_.find(std::string(provider));
    if (it == voices_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }

 private:
  std::map<std::string, std::set<std::string>> voices_{{"espeak", {"en", "en-us", "ar", "fr"}},
                                                       {"flite", {"slt", "rms", "awb"}}};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const StubDirectory directory;
  polyvox::JobParseOptions options;
  options.limits.max_blocks = 20;
  options.limits.max_text_chars = 300;
  options.limits.max_fallbacks = 3;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto job = polyvox::parse_job(text, options, directory);
  if (!job.ok()) {
    check(!job.error().message.empty(), "a rejected job's error has a message");
    return 0;
  }
  check(!job->blocks.empty(), "an accepted job has blocks");
  check(job->blocks.size() <= options.limits.max_blocks, "blocks within max_blocks");
  for (const auto& block : job->blocks) {
    check(!block.text.empty(), "block text is not empty");
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
