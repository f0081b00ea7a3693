// The /v1/audio/speech body parser (core/speech_request.h) on arbitrary bytes, then the model
// and voice mapping (core/speech_mapping.h) on what it accepts, against a fixed provider
// directory. An accepted request must satisfy every bound the parser promises.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/speech_mapping.h"
#include "core/speech_request.h"
#include "core/utf8.h"
#include "fuzz_check.h"
#include "stub_directory.h"

using polyvox::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const polyvox::fuzz::StubDirectory directory(
      {{"espeak", {"en", "en-us+f3", "ar", "ar+f3"}}, {"flite", {"slt", "rms", "awb"}}});
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
