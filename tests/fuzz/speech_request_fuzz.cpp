// The /v1/audio/speech body parser (core/speech_request.h) on arbitrary bytes, then the model
// and voice mapping (core/speech_mapping.h) on what it accepts, against a fixed provider
// directory. An accepted request must satisfy every bound the parser promises.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "core/speech_mapping.h"
#include "core/speech_request.h"
#include "core/utf8.h"
#include "fuzz_check.h"

namespace {

using polyvox::fuzz::check;

// espeak and flite usable with a few voices, elevenlabs known but unusable.
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
  std::map<std::string, std::set<std::string>> voices_{
      {"espeak", {"en", "en-us+f3", "ar", "ar+f3"}}, {"flite", {"slt", "rms", "awb"}}};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const StubDirectory directory;
  static const polyvox::SpeechMapping mapping = [] {
    auto m = polyvox::default_speech_mapping();
    m.provider_models.push_back({"elevenlabs", "elevenlabs", "eleven_multilingual_v2"});
    return m;
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto request = polyvox::parse_speech_request(text);
  if (!request.ok()) {
    check(!request.error().message.empty(), "a rejected request's error has a message");
    return 0;
  }
  using polyvox::SpeechRequest;
  check(!request->model.empty() && !request->voice.empty(), "model and voice are set");
  check(!request->input.empty() && polyvox::is_valid_utf8(request->input), "input is valid");
  check(polyvox::utf8_length(request->input) <= SpeechRequest::kMaxInputChars, "input bounded");
  check(polyvox::utf8_length(request->instructions) <= SpeechRequest::kMaxInstructionsChars,
        "instructions bounded");
  check(request->speed >= SpeechRequest::kMinSpeed && request->speed <= SpeechRequest::kMaxSpeed,
        "speed within range");
  const auto voices =
      polyvox::resolve_speech_voices(mapping, directory, request->model, request->voice);
  if (!voices.ok()) {
    check(voices.error().field == "model" || voices.error().field == "voice",
          "a mapping error names model or voice");
    return 0;
  }
  for (const auto* choice : {&voices->other, &voices->arabic}) {
    const auto status = polyvox::check_speech_choice(*choice, directory);
    if (status.ok()) {
      check(directory.unusable_reason(choice->provider).empty(), "a checked provider is usable");
    }
  }
  return 0;
}
