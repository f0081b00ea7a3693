// The Provider seam: one text-to-speech engine or vendor, local or remote. Implementations live
// beside this header (one file pair each), each exposing its kind (provider_kinds.h); src/app
// registers the kinds and builds the configured providers from them.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audio/pcm.h"
#include "core/cancel.h"
#include "core/error.h"
#include "providers/speed_range.h"

namespace polyvox {

struct VoiceInfo {
  std::string name;      // what users write in a block's "voice"
  std::string voice_id;  // what the engine is given
  std::string language;  // BCP 47-ish code when known ("en-us", "ar"), else empty
  std::string gender;    // "male", "female" or empty when unknown
};

// An immutable list of voices, shared by whoever holds it: handing one out costs a reference
// count, not a copy of every voice (espeak-ng has ~130, a vendor's table hundreds). A provider
// whose list changes (a live fetch) makes a new one; lists already handed out stay as they were.
// Thread-safe to read and to copy.
class VoiceList {
 public:
  VoiceList() = default;                    // no voices
  VoiceList(std::vector<VoiceInfo> voices)  // NOLINT: implicit, a list is its voices
      : voices_(std::make_shared<const std::vector<VoiceInfo>>(std::move(voices))) {}

  std::size_t size() const { return voices_ ? voices_->size() : 0; }
  bool empty() const { return size() == 0; }
  // REQUIRES: i < size()
  const VoiceInfo& operator[](std::size_t i) const { return (*voices_)[i]; }
  // REQUIRES: !empty()
  const VoiceInfo& back() const { return voices_->back(); }
  const VoiceInfo* begin() const { return voices_ ? voices_->data() : nullptr; }
  const VoiceInfo* end() const { return voices_ ? voices_->data() + voices_->size() : nullptr; }

 private:
  std::shared_ptr<const std::vector<VoiceInfo>> voices_;  // null: none
};

struct SynthesisRequest {
  std::string text;      // text to speak, already diacritized when the block is Arabic
  std::string voice_id;  // as returned by Provider::resolve_voice
  // The text of the neighbouring blocks spoken by the same provider and voice, for vendors that
  // use it for natural prosody across requests (ElevenLabs previous_text/next_text). May be empty.
  std::string previous_text;
  std::string next_text;
  // Checked by long operations; may be null.
  const CancelToken* cancel = nullptr;
  // Pace to speak at, relative to the provider's configured one (2.0: half the duration).
  // Always within native_speed(); 1.0 = as configured.
  double speed = 1.0;
  // Whether the caller wants the words' times (EncodedAudio::marks). A provider whose engine
  // gives them at no cost may always report them; one that must ask its vendor differently (a
  // timestamps endpoint) does so only when this is set.
  bool word_marks = true;
  // How to speak (BlockSpec::instructions); empty: as configured. Only set for providers whose
  // takes_instructions() is true.
  std::string instructions;
  // May be null. Set to true by a wrapper that answered without asking the engine
  // (ResilientProvider: circuit open, cancelled while waiting for a slot): such a call is not
  // billed, and usage does not count it.
  bool* not_sent = nullptr;
};

// How many calls a provider has in flight and may have (providers/adaptive_limit.h).
struct ProviderConcurrency {
  unsigned ceiling = 0;  // the configured most; 0 = unlimited
  unsigned limit = 0;    // the live limit, adapted to the vendor's answers; 0 = unlimited
  unsigned in_flight = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;

  // The configured name blocks use ("espeak", "elevenlabs", ...). Thread-safe.
  virtual const std::string& name() const = 0;

  // What kind of engine or protocol this is ("espeak", "flite", "openai", ...); several
  // configured providers may share a kind. Thread-safe.
  virtual std::string kind() const = 0;

  // Every voice this provider offers, as a shared snapshot (cheap to call per block). Thread-safe.
  // Never calls the vendor: for a vendor with a voices API this is the built-in table plus the
  // last list live_voices() fetched.
  virtual VoiceList voices() const = 0;

  // The voices as the vendor lists them now, for a vendor with a voices API (ElevenLabs GET
  // /v1/voices): fetched at most once per the provider's cache time, merged with the built-in
  // table; on any error, voices(). May block up to the provider's request timeout, so do not call
  // it on an I/O thread. Default: voices(). Thread-safe.
  virtual VoiceList live_voices(const CancelToken* cancel = nullptr) { return voices(); }

  // The engine's id for `voice` as a user wrote it (a name, an id, a language code or
  // "default"); nullopt when the provider has no such voice. Thread-safe.
  virtual std::optional<std::string> resolve_voice(std::string_view voice) const = 0;

  // Most characters one request may carry (longer text is split before it reaches the provider);
  // 0 = no limit. Thread-safe.
  virtual std::size_t max_request_chars() const { return 0; }

  // Everything besides the text and the voice that determines the audio this provider returns
  // (kind, endpoint, model, settings, output format), for the content-addressed audio cache.
  // Providers whose output is not a function of that (e.g. a randomized voice) return "" and
  // are never cached. Thread-safe.
  virtual std::string cache_identity() const { return kind() + "|" + name(); }
  // The SynthesisRequest::speed values this provider honours by itself, relative to its
  // configured pace; the block pipeline asks for its block's speed within this range and time
  // stretches the answer for the rest (worker/block_renderer.h). {1, 1} (the default): the
  // provider has no pace of its own to set, every speed but 1.0 is a time stretch. Thread-safe.
  virtual SpeedRange native_speed() const { return {}; }
  // Whether synthesize() uses SynthesisRequest::previous_text/next_text. When it does not,
  // callers need not look the neighbouring blocks up (a store read each). Thread-safe.
  virtual bool uses_neighbour_text() const { return false; }
  // Whether synthesize() sends SynthesisRequest::instructions to its engine (instead of the
  // configured instructions, when not empty). When it does not, callers leave them empty, and
  // they are not part of the answer's cache key. Thread-safe.
  virtual bool takes_instructions() const { return false; }

  // Calls in flight now and the limit they are held to, for /metrics and /tts/providers;
  // nullopt for a provider that keeps no count (ResilientProvider keeps one). Thread-safe.
  virtual std::optional<ProviderConcurrency> concurrency() const { return std::nullopt; }

  // Speaks `request.text` with `request.voice_id`. Returns encoded audio (any format
  // audio::decode_audio understands) or an error whose kind says whether trying again may help:
  //   kRateLimited     the vendor asked to slow down (429); retry_after_s when it said when;
  //   kUnavailable     a transient failure (5xx, timeout, connection error, cancelled);
  //   kSynthesisFailed a final failure (request refused, bad key, quota exhausted, unknown
  //                    voice): retrying cannot help.
  // The message carries the vendor's own error message, never a key or a secret.
  // One attempt only, and the bytes as the vendor sent them. Around it: ResilientProvider
  // (resilient_provider.h) limits the calls in flight and fails fast while its circuit breaker
  // is open; the block pipeline (src/worker/block_renderer.cpp) decodes the answer within
  // limits and checks it is not silent and lasts what its text should; retries with backoff
  // follow RetryPolicy (retry_policy.h) and are done by the worker pool
  // (src/worker/worker_pool.cpp: the task goes back to the queue, due later), for the service
  // and `polyvox synth` alike; a final failure, or the last attempt's, moves on to the block's
  // fallback voices (block_renderer.cpp). Thread-safe: called concurrently from worker threads;
  // an engine that is not reentrant serializes internally.
  virtual Result<audio::EncodedAudio> synthesize(const SynthesisRequest& request) = 0;
};

}  // namespace polyvox
