#include "providers/voice_scripts.h"

#include <algorithm>
#include <cctype>

namespace polyvox {
namespace {

struct LanguageScripts {
  std::string_view language;  // the primary subtag (ISO 639)
  std::vector<std::string> scripts;
};

// Languages (those of espeak-ng's voices among them) not written in the Latin script.
const std::vector<LanguageScripts>& non_latin_languages() {
  static const std::vector<LanguageScripts> table = {
      {"am", {"Ethiopic"}},
      {"ar", {"Arabic"}},
      {"fa", {"Arabic"}},
      {"sd", {"Arabic"}},
      {"ug", {"Arabic"}},
      {"ur", {"Arabic"}},
      {"ps", {"Arabic"}},
      {"as", {"Bengali"}},
      {"bn", {"Bengali"}},
      {"bpy", {"Bengali"}},
      {"ba", {"Cyrillic"}},
      {"be", {"Cyrillic"}},
      {"bg", {"Cyrillic"}},
      {"cv", {"Cyrillic"}},
      {"kk", {"Cyrillic"}},
      {"ky", {"Cyrillic"}},
      {"mk", {"Cyrillic"}},
      {"mn", {"Cyrillic"}},
      {"nog", {"Cyrillic"}},
      {"ru", {"Cyrillic"}},
      {"tt", {"Cyrillic"}},
      {"uk", {"Cyrillic"}},
      {"sr", {"Cyrillic", "Latin"}},
      {"chr", {"Cherokee"}},
      {"cmn", {"Han"}},
      {"hak", {"Han"}},
      {"yue", {"Han"}},
      {"zh", {"Han"}},
      {"el", {"Greek"}},
      {"grc", {"Greek"}},
      {"gu", {"Gujarati"}},
      {"he", {"Hebrew"}},
      {"yi", {"Hebrew"}},
      {"hi", {"Devanagari"}},
      {"kok", {"Devanagari"}},
      {"mr", {"Devanagari"}},
      {"ne", {"Devanagari"}},
      {"sa", {"Devanagari"}},
      {"hy", {"Armenian"}},
      {"hyw", {"Armenian"}},
      {"ja", {"Han", "Hiragana", "Katakana"}},
      {"ka", {"Georgian"}},
      {"kn", {"Kannada"}},
      {"ko", {"Hangul"}},
      {"ml", {"Malayalam"}},
      {"my", {"Myanmar"}},
      {"shn", {"Myanmar"}},
      {"or", {"Oriya"}},
      {"pa", {"Gurmukhi"}},
      {"si", {"Sinhala"}},
      {"ta", {"Tamil"}},
      {"te", {"Telugu"}},
      {"th", {"Thai"}},
      {"lo", {"Lao"}},
      {"km", {"Khmer"}},
      {"dv", {"Thaana"}},
      {"bo", {"Tibetan"}},
  };
  return table;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::vector<std::string> scripts_of_language(std::string_view language) {
  const std::string code = lower(language);
  // A script subtag written out ("cmn-latn-pinyin", "fa-latn", "sr-cyrl") wins.
  if (code.find("-latn") != std::string::npos) return {"Latin"};
  if (code.find("-cyrl") != std::string::npos) return {"Cyrillic"};
  const std::string_view primary = std::string_view(code).substr(0, code.find('-'));
  for (const LanguageScripts& entry : non_latin_languages()) {
    if (entry.language == primary) return entry.scripts;
  }
  return {"Latin"};
}

std::vector<std::string> voice_scripts_of(const VoiceInfo& voice, std::string_view kind) {
  if (kind == "espeak" || kind == "flite") return scripts_of_language(voice.language);
  return {};
}

}  // namespace polyvox
