// A Provider whose answers a test scripts: it speaks 60 ms of tone per character (divided by the
// speed asked, within `native`) after 100 ms of silence, as WAV, or fails as told, and records
// what it was asked. With `answer`, it answers that instead (a hostile answer). With
// `marks`, it reports where each word starts (source "scripted").
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audio/wav.h"
#include "providers/provider.h"
#include "providers/provider_registry.h"
#include "support/audio_fixtures.h"

namespace polyvox::test_support {

class ScriptedProvider : public Provider {
 public:
  explicit ScriptedProvider(std::string name, std::size_t max_chars = 0)
      : name_(std::move(name)), max_chars_(max_chars) {}
  const std::string& name() const override { return name_; }
  std::string kind() const override { return "scripted"; }
  VoiceList voices() const override { return std::vector<VoiceInfo>{{"v", "v", "", ""}}; }
  std::optional<std::string> resolve_voice(std::string_view voice) const override {
    return voice == "v" || voice == "default" ? std::optional<std::string>("v") : std::nullopt;
  }
  std::size_t max_request_chars() const override { return max_chars_; }
  bool uses_neighbour_text() const override { return hears_neighbours; }
  SpeedRange native_speed() const override { return native; }
  bool takes_instructions() const override { return hears_instructions; }

  Result<audio::EncodedAudio> synthesize(const SynthesisRequest& request) override {
    if (on_call) on_call();
    std::lock_guard lock(mutex_);
    texts.push_back(request.text);
    previous.push_back(request.previous_text);
    speeds.push_back(request.speed);
    instructions.push_back(request.instructions);
    if (!failures.empty()) {
      Error e = failures.front();
      failures.erase(failures.begin());
      return e;
    }
    if (answer) return *answer;
    double ms = 60.0 * static_cast<double>(request.text.size()) / request.speed;
    if (answer_ms) ms = *answer_ms;
    auto speech = concat(silence(100, 16000), tone(ms, 16000, 300.0, silent ? 0.0 : 0.3));
    audio::EncodedAudio out{audio::wav_file(speech, 1600, 16000)};
    if (raw_pcm) {  // as espeak and flite answer: 16-bit samples without a container
      out.bytes.clear();
      audio::append_pcm16(out.bytes, speech);
      out.encoding = audio::AudioEncoding::kPcmS16le;
      out.sample_rate = 16000;
    }
    if (marks && request.word_marks) {
      out.marks.source = "scripted";
      const double per_byte =
          ms / static_cast<double>(std::max<std::size_t>(1, request.text.size()));
      for (const WordSpan& w : word_spans(request.text)) {
        out.marks.marks.push_back({w.begin, w.end, 100.0 + per_byte * static_cast<double>(w.begin),
                                   100.0 + per_byte * static_cast<double>(w.end)});
      }
    }
    return out;
  }

  // Set these before the provider is shared; read the records once no call is in progress.
  std::vector<Error> failures;    // returned first, one per call
  std::function<void()> on_call;  // called first by every synthesize()
  bool hears_neighbours = false;
  bool hears_instructions = false;
  std::optional<double> answer_ms;
  bool silent = false;
  std::optional<audio::EncodedAudio> answer;  // answered as it is instead of the tone
  bool marks = false;                         // report word marks
  bool raw_pcm = false;                       // answer 16-bit PCM, not a WAV file
  SpeedRange native;                          // the speeds it makes itself; default {1, 1}: none
  std::vector<std::string> texts;
  std::vector<double> speeds;
  std::vector<std::string> instructions;
  std::vector<std::string> previous;

 private:
  std::string name_;
  std::size_t max_chars_;
  std::mutex mutex_;
};

// Registers a ScriptedProvider named `name` in `registry`; returns it, to set up before use and
// read its records after.
inline ScriptedProvider& add_scripted(ProviderRegistry& registry, std::string name = "main") {
  auto p = std::make_unique<ScriptedProvider>(std::move(name));
  ScriptedProvider& ref = *p;
  registry.add(std::move(p));
  return ref;
}

}  // namespace polyvox::test_support
