// Which provider and voice answer an OpenAI model and voice name on POST /v1/audio/speech. The
// mapping comes from POLYVOX_CONFIG's [openai] tables (providers/speech_mapping_config.h) over
// defaults that need no network (espeak and flite, Arabic-script text to espeak's Arabic voice).
// Pure: provider knowledge comes through ProviderDirectory.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/job.h"
#include "core/provider_directory.h"

namespace polyvox {

// What one OpenAI model name means.
struct SpeechModelRoute {
  // A configured provider ("espeak", "elevenlabs") or "provider/model" (a configured instance of
  // that name or kind whose model is that, e.g. "elevenlabs/eleven_multilingual_v2").
  std::string provider;
  std::map<std::string, std::string> voices;  // OpenAI voice name -> the provider's voice;
                                              // names not listed go to the provider as they are
  std::string arabic;  // "provider:voice" for Arabic-script text; empty: as any other text
  std::map<std::string, std::string> arabic_voices;  // per voice name, wins over `arabic`
};

// A configured cloud provider's model, for "provider/model" addressing.
struct ProviderModel {
  std::string provider;  // instance name ("elevenlabs", "eleven_v3")
  std::string kind;      // "elevenlabs", "openai", ...
  std::string model;     // its configured model; empty when it has none
};

struct SpeechMapping {
  std::map<std::string, SpeechModelRoute> models;  // "tts-1", "tts-1-hd", "gpt-4o-mini-tts", ...
  std::vector<ProviderModel> provider_models;
};

// The thirteen voice names OpenAI documents (alloy ... verse, marin, cedar).
const std::vector<std::string>& openai_voice_names();

// tts-1 -> espeak (a variant per voice name), tts-1-hd and gpt-4o-mini-tts -> flite (its five
// voices shared out); Arabic-script text -> espeak "ar" with the voice's variant.
SpeechMapping default_speech_mapping();

// The voices one request speaks with: `other` for text in any script but Arabic, `arabic` for
// Arabic-script text. Not yet checked against the providers (resolve does not fail on a voice
// that the input may never need): check_speech_choice() each one used.
struct SpeechVoices {
  VoiceChoice other;
  VoiceChoice arabic;
};

// Resolves `model` (a mapped name, a provider name or "provider/model") and `voice` (a name the
// model maps, a voice of its provider, or "provider:voice" addressing any provider directly).
// kNotFound with field "model" for a model that is neither mapped nor a usable provider (the
// message says why, e.g. the provider's missing key); kNotFound with field "voice" for an empty
// voice part. Thread-safe.
Result<SpeechVoices> resolve_speech_voices(const SpeechMapping& mapping,
                                           const ProviderDirectory& providers,
                                           std::string_view model, std::string_view voice);

// OK when `choice` can speak: its provider usable and the voice its own; else kNotFound with
// field "voice" naming the voice, the provider and why.
Status check_speech_choice(const VoiceChoice& choice, const ProviderDirectory& providers);

// The model names /v1/models lists: mapped names whose provider is usable, then each usable
// provider, then "provider/model" of usable cloud instances with a model; no duplicates.
std::vector<std::string> usable_speech_models(const SpeechMapping& mapping,
                                              const ProviderDirectory& providers);

}  // namespace polyvox
