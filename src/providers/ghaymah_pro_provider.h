// Ghaymah Pro (as the seed calls it): POST to the configured URL itself with a Bearer key and
// {input, voice: "0".."3", response_format: "mp3", speed}; MP3 bytes back. Voices male-1,
// male-2, female-1, female-2 are "0".."3" (docs/providers.md). Spoken by
// JsonSpeechProvider with the protocol below; the error body's shape is unknown, so any non-2xx
// carries its text.
#pragma once

#include <memory>

#include "http/http_client.h"
#include "providers/json_speech_provider.h"
#include "providers/provider_config.h"
#include "providers/provider_kinds.h"

namespace polyvox {

// What the Ghaymah Pro endpoint expects and answers.
JsonSpeechProtocol ghaymah_pro_protocol();

// The kind "ghaymah_pro": defaults (mp3, male-1, 4 in flight, no character limit), the built-in
// `ghaymah_pro` (GHAYMAH_PRO_API_BASE_URL, GHAYMAH_PRO_API_KEY), output format mp3 only.
ProviderKind ghaymah_pro_provider_kind();

// REQUIRES (constructor): config.kind == "ghaymah_pro" and a URL.
using GhaymahProProvider = VendorSpeechProvider<ghaymah_pro_protocol>;

}  // namespace polyvox
