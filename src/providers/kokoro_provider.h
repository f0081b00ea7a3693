// Kokoro (as the seed calls it): POST to the configured URL itself, no key (one configured with
// api_key_env is sent as a Bearer token), {text, voice_id},
// Accept: application/json; the answer is JSON {"audio": "data:audio/wav;base64,..."}. Voice
// "default" is "0". Spoken by JsonSpeechProvider with the protocol below.
#pragma once

#include <memory>

#include "http/http_client.h"
#include "providers/json_speech_provider.h"
#include "providers/provider_config.h"
#include "providers/provider_kinds.h"

namespace polyvox {

// What the Kokoro endpoint expects and answers.
JsonSpeechProtocol kokoro_protocol();

// The kind "kokoro": defaults (voice "default", up to 32 in flight, no character limit), the
// built-in `kokoro` (KOKORO_API_BASE_URL, no key), any output format (the answer is always WAV).
ProviderKind kokoro_provider_kind();

// REQUIRES (constructor): config.kind == "kokoro" and a URL.
using KokoroProvider = VendorSpeechProvider<kokoro_protocol>;

}  // namespace polyvox
