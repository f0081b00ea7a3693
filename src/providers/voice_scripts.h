// Which writing systems a voice can read, from its language: a voice given text in another
// script spells it out letter by letter or says nothing at all (Arabic to flite's English voice
// "completes" with near-silence), so the job parser refuses such a block up front.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "providers/provider.h"

namespace polyvox {

// The scripts (ISO 15924 names as Unicode spells them, core/letters.h: "Latin", "Arabic",
// "Cyrillic", "Han", ...) that text in `language` (a BCP 47-ish code such as "en-us", "ar",
// "cmn-latn-pinyin", "fa-latn") is written in; Latin for a language it does not know to be
// written otherwise. Pure.
std::vector<std::string> scripts_of_language(std::string_view language);

// The scripts `voice` of a provider of `kind` reads; empty: any. The local engines' voices
// (espeak-ng, flite) each speak one language and read its script; the cloud vendors' voices
// (ElevenLabs and Ghaymah multilingual models, OpenAI, OpenAI-compatible servers) read any.
// Pure.
std::vector<std::string> voice_scripts_of(const VoiceInfo& voice, std::string_view kind);

}  // namespace polyvox
