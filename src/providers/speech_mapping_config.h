// The /v1 model and voice mapping (core/speech_mapping.h) as POLYVOX_CONFIG's [openai] tables
// adjust it. With no file, or no [openai] table, the offline defaults apply. A model's table
// replaces that model's default whole; models not named keep theirs:
//
//   [openai.models."tts-1"]
//   provider = "elevenlabs"            # a provider, or "provider/model" ("openai/tts-1-hd")
//   voices = { alloy = "Rachel", echo = "Adam" }   # OpenAI name -> the provider's voice;
//                                                  # other names go to the provider as they are
//   arabic = "espeak:ar"               # provider:voice for Arabic-script sentences (optional)
//   arabic_voices = { alloy = "elevenlabs:Sara" }  # per name, wins over `arabic` (optional)
//
// Providers and voices are checked when a request uses them (a provider may be unusable now and
// usable after a restart with its key), not at start-up; the form of every value is.
#pragma once

#include <string>
#include <string_view>

#include "core/speech_mapping.h"
#include "providers/provider_config.h"

namespace polyvox {

// The mapping from the file POLYVOX_CONFIG names over default_speech_mapping(), with
// `providers`' models for "provider/model" addressing. Throws std::invalid_argument naming the
// file, the table and the key for anything malformed (fatal start-up configuration).
SpeechMapping load_speech_mapping(const EnvLookup& env, const ProvidersConfig& providers);

// The same with the TOML text given (tests); `source` names it in messages.
SpeechMapping load_speech_mapping(std::string_view toml_text, const std::string& source,
                                  const ProvidersConfig& providers);

}  // namespace polyvox
