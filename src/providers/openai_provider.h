// OpenAI speech and every OpenAI-compatible server (Ghaymah among them): POST {base}/audio/speech
// with a Bearer key and {model, input, voice, response_format, speed[, instructions]},
// Accept: application/octet-stream, optional OpenAI-Organization / OpenAI-Project headers; the
// audio itself back ("pcm" = raw 24 kHz s16le). Spoken by JsonSpeechProvider with the protocol
// below. The kind "openai" has two built-in instances: `openai` (OPENAI_*, OpenAI's voices) and
// `ghaymah` (GHAYMAH_*, its 322 voices); a file declares more (provider_config.h).
#pragma once

#include <memory>

#include "http/http_client.h"
#include "providers/json_speech_provider.h"
#include "providers/provider_config.h"
#include "providers/provider_kinds.h"

namespace polyvox {

// What OpenAI's speech endpoint expects and answers.
JsonSpeechProtocol openai_protocol();

// The kind "openai": defaults (tts-1, mp3, alloy, 4096 characters, 8 in flight), the built-in
// `openai` and `ghaymah`, output formats mp3, opus, aac, flac, wav and pcm.
ProviderKind openai_provider_kind();

// REQUIRES (constructor): config.kind == "openai" and a base URL (the key may be empty: no
// Authorization).
using OpenAiProvider = VendorSpeechProvider<openai_protocol>;

}  // namespace polyvox
