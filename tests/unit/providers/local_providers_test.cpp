#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "audio/decoder.h"
#include "providers/espeak_provider.h"
#include "providers/flite_provider.h"
#include "providers/provider_registry.h"
#include "providers/voice_scripts.h"

namespace polyvox {
namespace {

std::unique_ptr<EspeakProvider> espeak() {
  auto p = EspeakProvider::create();
  EXPECT_TRUE(p.ok());
  return std::move(p.value());
}

std::unique_ptr<FliteProvider> flite() {
  auto p = FliteProvider::create();
  EXPECT_TRUE(p.ok());
  return std::move(p.value());
}

TEST(EspeakProviderTest, ResolvesLanguageCodesNamesFilesAndVariants) {
  auto p = espeak();
  EXPECT_EQ(p->resolve_voice("en-us"), "gmw/en-US");
  EXPECT_EQ(p->resolve_voice("EN-US"), "gmw/en-US");
  EXPECT_EQ(p->resolve_voice("ar"), "sem/ar");
  EXPECT_EQ(p->resolve_voice("gmw/en-US"), "gmw/en-US");
  EXPECT_EQ(p->resolve_voice("English_(America)"), "gmw/en-US");
  EXPECT_TRUE(p->resolve_voice("fr").has_value());
  EXPECT_TRUE(p->resolve_voice("de").has_value());
  EXPECT_EQ(p->resolve_voice("default"), p->resolve_voice("en"));
  EXPECT_EQ(p->resolve_voice("en+f3"), *p->resolve_voice("en") + "+f3");
  EXPECT_FALSE(p->resolve_voice("xx-nope").has_value());
  EXPECT_FALSE(p->resolve_voice("en+nope").has_value());
}

TEST(EspeakProviderTest, ListsManyVoicesCommonOnesFirst) {
  auto voices = espeak()->voices();
  ASSERT_GT(voices.size(), 50u);
  EXPECT_EQ(voices[0].name.substr(0, 3), "en-");  // English before the rest
}

// Every voice listed has a name of its own, which names that voice: espeak-ng declares both
// Cantonese voices "yue", and the one that reads Jyutping (Latin letters) could not be chosen.
TEST(EspeakProviderTest, EveryVoiceHasItsOwnName) {
  auto p = espeak();
  std::set<std::string> names;
  for (const auto& v : p->voices()) {
    EXPECT_TRUE(names.insert(v.name).second) << v.name << " listed twice";
    EXPECT_EQ(p->resolve_voice(v.name), v.voice_id) << v.name;
  }
  EXPECT_EQ(p->resolve_voice("yue"), "sit/yue");
  EXPECT_EQ(p->resolve_voice("yue-latn-jyutping"), "sit/yue-Latn-jyutping");
  EXPECT_EQ(scripts_of_language("yue-latn-jyutping"), std::vector<std::string>{"Latin"});
}

TEST(EspeakProviderTest, SpeaksAsRawPcm) {
  auto p = espeak();
  auto audio = p->synthesize({"Hello world, 42 times.", *p->resolve_voice("en")});
  ASSERT_TRUE(audio.ok()) << audio.error().to_string();
  auto pcm = audio::decode_audio(*audio);
  ASSERT_TRUE(pcm.ok());
  EXPECT_EQ(pcm->sample_rate, 22050);
  EXPECT_GT(pcm->duration_ms(), 800.0);
  EXPECT_LT(pcm->duration_ms(), 4000.0);
}

// espeak-ng's output varies by a few samples from call to call (its pitch flutter runs on a
// global counter), so concurrent calls are compared with sequential ones by length: audio mixed
// up between calls would differ by far more.
TEST(EspeakProviderTest, ConcurrentCallsGiveTheSameAudioAsSequentialOnes) {
  auto p = espeak();
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"The first sentence.", "en"},
      {"مرحبا بالعالم", "ar"},
      {"Bonjour tout le monde", "fr"},
      {"Guten Tag", "de"},
      {"Second English sentence.", "en-us"}};
  std::vector<std::string> sequential;
  for (const auto& [text, voice] : inputs) {
    sequential.push_back(p->synthesize({text, *p->resolve_voice(voice)})->bytes);
  }
  std::vector<std::string> concurrent(inputs.size() * 4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < concurrent.size(); ++i) {
    threads.emplace_back([&, i] {
      const auto& [text, voice] = inputs[i % inputs.size()];
      concurrent[i] = p->synthesize({text, *p->resolve_voice(voice)})->bytes;
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < concurrent.size(); ++i) {
    const double expected = static_cast<double>(sequential[i % inputs.size()].size());
    EXPECT_NEAR(static_cast<double>(concurrent[i].size()), expected, expected * 0.10)
        << "input " << i % inputs.size();
  }
}

TEST(FliteProviderTest, OffersItsFiveVoices) {
  auto p = flite();
  std::vector<std::string> names;
  for (const auto& v : p->voices()) names.push_back(v.name);
  EXPECT_EQ(names, (std::vector<std::string>{"slt", "rms", "awb", "kal", "kal16"}));
  EXPECT_EQ(p->resolve_voice("default"), "slt");
  EXPECT_EQ(p->resolve_voice("RMS"), "rms");
  EXPECT_FALSE(p->resolve_voice("en").has_value());
}

TEST(FliteProviderTest, SpeaksEachVoiceAtItsRate) {
  auto p = flite();
  // Every voice: each is loaded from its own library on first use.
  for (const auto& [voice, rate] :
       {std::pair{"slt", 16000}, {"rms", 16000}, {"awb", 16000}, {"kal", 8000}, {"kal16", 16000}}) {
    auto audio = p->synthesize({"Testing one two three.", voice});
    ASSERT_TRUE(audio.ok()) << voice;
    EXPECT_EQ(audio->sample_rate, rate) << voice;
    auto pcm = audio::decode_audio(*audio);
    ASSERT_TRUE(pcm.ok());
    EXPECT_GT(pcm->duration_ms(), 700.0) << voice;
  }
}

// A string literal with every byte, NULs included.
template <std::size_t N>
std::string with_bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

// A control character in the text never changes what espeak-ng does: U+0001 starts one of its
// embedded commands ("\x01" "80S": the rest at 80 words a minute) and a NUL ends the text. The
// job parser refuses them; whatever reaches the provider anyway (a remote diacritizer's answer,
// a stored job) is spoken as if they were spaces.
TEST(EspeakProviderTest, ControlCharactersChangeNothingInTheSpeech) {
  auto p = espeak();
  const std::string voice = *p->resolve_voice("en");
  // Each text, and the same with its control characters written as spaces.
  for (const auto& [text, spaced] : {
           std::pair{std::string("one two \x01"
                                 "80S three four five six"),
                     std::string("one two  80S three four five six")},
           std::pair{std::string("one two \x01"
                                 "9999S three four five six"),
                     std::string("one two  9999S three four five six")},
           std::pair{with_bytes("one two \0\x7F three four five six"),
                     std::string("one two    three four five six")},
       }) {
    auto audio = p->synthesize({text, voice});
    auto expected = p->synthesize({spaced, voice});
    ASSERT_TRUE(audio.ok() && expected.ok());
    const double expected_ms = audio::decode_audio(*expected)->duration_ms();
    EXPECT_NEAR(audio::decode_audio(*audio)->duration_ms(), expected_ms, expected_ms * 0.05)
        << spaced;
    EXPECT_EQ(audio->marks.marks.size(), expected->marks.marks.size()) << spaced;
  }
}

TEST(FliteProviderTest, ANulDoesNotEndTheText) {
  auto p = flite();
  auto plain = p->synthesize({"one two   three four five six", "slt"});
  auto with_nul = p->synthesize({with_bytes("one two \0 three four five six"), "slt"});
  ASSERT_TRUE(plain.ok() && with_nul.ok());
  EXPECT_EQ(with_nul->bytes.size(), plain->bytes.size());
  EXPECT_EQ(with_nul->marks.marks.size(), 6u);
}

// Text with nothing flite can read (letters outside ASCII) is a failure that says why, not an
// empty answer (taken for a vendor's transient fault, retried, "undecodable audio").
TEST(FliteProviderTest, TextItCannotReadFailsSayingWhy) {
  auto p = flite();
  for (const char* text : {"\u00e9", "\u00df", "\u0645\u0631\u062d\u0628\u0627"}) {
    auto audio = p->synthesize({text, "kal"});
    ASSERT_FALSE(audio.ok()) << text;
    EXPECT_EQ(audio.error().kind, ErrorKind::kSynthesisFailed);
    EXPECT_NE(audio.error().message.find("English letters and digits only"), std::string::npos)
        << audio.error().message;
  }
}

// A long run of digits (one token that flite expands into a word per digit) is read in pieces
// of at most 64 characters, each its own token with its own mark, in order over the text: flite
// synthesized the whole token at once, in time and memory growing faster than its length
// (4,000 digits: 37 s and 800 MB, holding every other flite block back).
TEST(FliteProviderTest, ALongTokenIsReadInPieces) {
  auto p = flite();
  const std::string digits(100, '7');
  auto audio = p->synthesize({"Call " + digits + " now.", "slt"});
  ASSERT_TRUE(audio.ok()) << audio.error().to_string();
  const auto& marks = audio->marks.marks;
  ASSERT_EQ(marks.size(), 2u + 2u);  // "Call", 64 + 36 digits, "now"
  EXPECT_EQ(marks[1].begin, 5u);
  EXPECT_EQ(marks[1].end, 69u);
  EXPECT_EQ(marks[2].begin, 69u);
  EXPECT_EQ(marks[2].end, 105u);
  EXPECT_GE(marks[2].start_ms, marks[1].end_ms - 1.0);
  // Every digit is still spoken ("seven" is about 0.4 s).
  EXPECT_GT(audio::decode_audio(*audio)->duration_ms(), 100 * 250.0);
  // A block of one word longer than an utterance's bound is spoken whole, in several.
  auto alone = p->synthesize({std::string(700, '1'), "slt"});
  ASSERT_TRUE(alone.ok()) << alone.error().to_string();
  EXPECT_EQ(alone->marks.marks.size(), (700u + 63u) / 64u);
  EXPECT_EQ(alone->marks.marks.back().end, 700u);
}

// A long URL is cut after one of its separators, not in the middle of a word.
TEST(FliteProviderTest, ALongUrlIsCutAtItsSeparators) {
  auto p = flite();
  const std::string url =
      "https://docs.example.com/guide/installation/debian/bookworm/packages/polyvox";
  ASSERT_GT(url.size(), 64u);
  auto audio = p->synthesize({"See " + url + " today.", "slt"});
  ASSERT_TRUE(audio.ok()) << audio.error().to_string();
  const auto& marks = audio->marks.marks;
  ASSERT_GE(marks.size(), 4u);
  for (std::size_t i = 1; i + 2 < marks.size(); ++i) {  // each piece of the URL but its last
    EXPECT_EQ(std::string("See " + url).at(marks[i].end - 1), '/') << i;
  }
}

// The word after a sentence's end, last in the block, is spoken: when it started a new
// utterance, flite's reading loop ended before adding it (the audio of "See you soon. Bye!" was
// that of "See you soon.", and the manifest gave "Bye!" a time of its own).
TEST(FliteProviderTest, TheLastWordAfterASentenceIsSpoken) {
  auto p = flite();
  for (const auto& [with, without] : {std::pair{"See you soon. Bye!", "See you soon."},
                                      std::pair{"Hello there. World", "Hello there."}}) {
    auto full = p->synthesize({with, "slt"});
    auto shorter = p->synthesize({without, "slt"});
    ASSERT_TRUE(full.ok() && shorter.ok());
    EXPECT_GT(full->bytes.size(), shorter->bytes.size() + 16000 / 10 * 2) << with;  // 0.1 s
    EXPECT_EQ(full->marks.marks.size(), shorter->marks.marks.size() + 1) << with;
  }
}

TEST(VoiceScriptsTest, EachLanguageReadsItsScript) {
  using V = std::vector<std::string>;
  EXPECT_EQ(scripts_of_language("en-us"), V{"Latin"});
  EXPECT_EQ(scripts_of_language("ar"), V{"Arabic"});
  EXPECT_EQ(scripts_of_language("fa"), V{"Arabic"});
  EXPECT_EQ(scripts_of_language("fa-latn"), V{"Latin"});
  EXPECT_EQ(scripts_of_language("ru"), V{"Cyrillic"});
  EXPECT_EQ(scripts_of_language("cmn"), V{"Han"});
  EXPECT_EQ(scripts_of_language("cmn-latn-pinyin"), V{"Latin"});
  EXPECT_EQ(scripts_of_language("ja"), (V{"Han", "Hiragana", "Katakana"}));
  EXPECT_EQ(scripts_of_language("EL"), V{"Greek"});
}

TEST(VoiceScriptsTest, LocalVoicesDeclareTheirScriptsThroughTheRegistry) {
  ProviderRegistry registry;
  registry.add(espeak());
  registry.add(flite());
  for (const auto& v : espeak()->voices()) {
    EXPECT_FALSE(voice_scripts_of(v, "espeak").empty()) << v.name;
  }
  using V = std::vector<std::string>;
  EXPECT_EQ(registry.voice_scripts("espeak", "ar"), V{"Arabic"});
  EXPECT_EQ(registry.voice_scripts("espeak", "default"), V{"Latin"});
  EXPECT_EQ(registry.voice_scripts("espeak", "en+f3"), V{"Latin"});
  EXPECT_EQ(registry.voice_scripts("espeak", "ru"), V{"Cyrillic"});
  EXPECT_EQ(registry.voice_scripts("flite", "rms"), V{"Latin"});
  EXPECT_TRUE(registry.voice_scripts("nope", "x").empty());
  // Asked again (and for another variant of a voice), the answers are the same.
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(registry.voice_scripts("espeak", "ar"), V{"Arabic"});
    EXPECT_EQ(registry.voice_scripts("espeak", "en+m2"), V{"Latin"});
    EXPECT_EQ(registry.voice_scripts("espeak", "ru"), V{"Cyrillic"});
    EXPECT_EQ(registry.voice_scripts("flite", "rms"), V{"Latin"});
    EXPECT_TRUE(registry.voice_scripts("espeak", "no-such-voice").empty());
  }
  const auto arabic = registry.voices_for_script("Arabic", 8);
  EXPECT_NE(std::find(arabic.begin(), arabic.end(), "espeak:ar"), arabic.end());
  for (const auto& v : arabic) EXPECT_EQ(v.rfind("flite", 0), std::string::npos) << v;
  EXPECT_LE(registry.voices_for_script("Latin", 3).size(), 3u);
}

}  // namespace
}  // namespace polyvox
