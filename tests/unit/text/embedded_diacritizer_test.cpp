// Runs the committed model (models/arabic_diacritizer.bin) through the Diacritizer interface.
#include "text/embedded_diacritizer.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "app/process_memory.h"
#include "core/utf8.h"
#include "support/audio_fixtures.h"  // TempDir, read_file, write_file
#include "text/arabic_marks.h"
#include "weights_header.h"

namespace polyvox {
namespace {

std::string model_path() {
  return std::string(POLYVOX_SOURCE_DIR) + "/models/" + EmbeddedDiacritizer::kModelFile;
}

std::string lexicon_path() {
  return std::string(POLYVOX_SOURCE_DIR) + "/models/" + EmbeddedDiacritizer::kLexiconFile;
}

// `text` without the eight marks (U+064B..U+0652 are 0xD9 0x8B..0x92 in UTF-8).
std::string strip_marks(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (b == 0xD9 && next >= 0x8B && next <= 0x92) {
      ++i;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

bool is_mark_at(const std::string& text, std::size_t i) {
  return i + 1 < text.size() && static_cast<unsigned char>(text[i]) == 0xD9 &&
         static_cast<unsigned char>(text[i + 1]) >= 0x8B &&
         static_cast<unsigned char>(text[i + 1]) <= 0x92;
}

// True when `out` is `in` with marks inserted only right after a letter's own marks: every
// byte of `in` appears in `out` in order, and what `out` adds are whole marks placed after all
// the marks `in` already had at that point.
bool only_appends_marks(const std::string& in, const std::string& out) {
  std::size_t i = 0, o = 0;
  while (o < out.size()) {
    if (i < in.size() && in[i] == out[o] && !(is_mark_at(out, o) && !is_mark_at(in, i))) {
      ++i, ++o;
      continue;
    }
    if (!is_mark_at(out, o) || is_mark_at(in, i)) return false;
    o += 2;
  }
  return i == in.size();
}

class EmbeddedDiacritizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = EmbeddedDiacritizer::create(model_path(), lexicon_path());
    ASSERT_TRUE(created) << created.error().to_string();
    diacritizer_ = std::move(created.value()).release();
  }
  static void TearDownTestSuite() { delete diacritizer_; }

  std::string run(const std::string& text) {
    auto out = diacritizer_->diacritize(text);
    EXPECT_TRUE(out) << out.error().to_string();
    return out ? *out : "";
  }

  static EmbeddedDiacritizer* diacritizer_;
};

EmbeddedDiacritizer* EmbeddedDiacritizerTest::diacritizer_ = nullptr;

TEST_F(EmbeddedDiacritizerTest, IsNamedEmbedded) { EXPECT_EQ(diacritizer_->name(), "embedded"); }

TEST_F(EmbeddedDiacritizerTest, AddsMarksToPlainArabic) {
  const std::string in = "ذهب الولد إلى المدرسة";
  const std::string out = run(in);
  EXPECT_GT(out.size(), in.size());
  EXPECT_EQ(strip_marks(out), in);
}

TEST_F(EmbeddedDiacritizerTest, KeepsEveryLetterOfEveryValidationLine) {
  std::ifstream val(POLYVOX_VAL_FILE);
  ASSERT_TRUE(val) << "cannot read " << POLYVOX_VAL_FILE;
  std::string line;
  int lines = 0;
  while (std::getline(val, line)) {
    const std::string plain = strip_marks(line);
    const std::string out = diacritizer_->diacritize_line(plain);
    ASSERT_EQ(strip_marks(out), plain) << "line " << lines + 1;
    ++lines;
  }
  EXPECT_EQ(lines, 2500);
}

TEST_F(EmbeddedDiacritizerTest, KeepsGivenMarksInPlace) {
  // Marked text: the given marks stay where they are; marks are only ever appended after them.
  for (const std::string in : {"كَتَبَ الْوَلَدُ الدَّرْسَ", "قال الرَّجل", "ذَهب الولدُ"}) {
    const std::string out = run(in);
    EXPECT_TRUE(only_appends_marks(in, out)) << in << " -> " << out;
  }
}

TEST_F(EmbeddedDiacritizerTest, GivenMarksConstrainTheChoice) {
  // The given damma and kasra (passive voice) stay the vowels of their letters; at most a
  // shadda may join them.
  const std::string in = "كُتِب الدرس";
  std::string out = run(in);
  EXPECT_TRUE(only_appends_marks(in, out)) << out;
  for (auto at = out.find("ّ"); at != std::string::npos; at = out.find("ّ")) {
    out.erase(at, 2);
  }
  EXPECT_EQ(out.rfind("كُتِب", 0), 0u) << out;
}

TEST_F(EmbeddedDiacritizerTest, HelperRejectsMovedOrDroppedMarks) {
  EXPECT_TRUE(only_appends_marks("كُتب", "كُتِب"));
  EXPECT_FALSE(only_appends_marks("كُتب", "كتُب"));  // moved
  EXPECT_FALSE(only_appends_marks("كُتب", "كتب"));  // dropped
  EXPECT_FALSE(only_appends_marks("كُتب", "كَُتب"));  // inserted before a given mark
}

TEST_F(EmbeddedDiacritizerTest, LoneShaddaGainsOnlyAVowel) {
  const std::string in = "محمّد رسول الله";
  const std::string out = run(in);
  const auto at = out.find("م\u0651");  // the given shadda stays right after its letter
  ASSERT_NE(at, std::string::npos) << out;
  const std::string after = out.substr(at + std::string("م\u0651").size(), 2);
  EXPECT_TRUE(after == "\u064E" || after == "\u064F" || after == "\u0650" || after == "\u064B" ||
              after == "\u064C" || after == "\u064D" || after.rfind("د", 0) == 0)
      << out;
  EXPECT_EQ(strip_marks(out), strip_marks(in));
}

TEST_F(EmbeddedDiacritizerTest, MixedArabicLatinAndDigitsKeepEveryCharacter) {
  const std::string in = "Polyvox 2.0 يقرأ النص العربي (بسرعة) و English too: 42%";
  const std::string out = run(in);
  EXPECT_EQ(strip_marks(out), in);
  EXPECT_NE(out.find("Polyvox 2.0 "), std::string::npos);
  EXPECT_NE(out.find(" English too: 42%"), std::string::npos);
  EXPECT_GT(out.size(), in.size());
}

TEST_F(EmbeddedDiacritizerTest, NonArabicAndEmptyLinesPassUnchanged) {
  EXPECT_EQ(run(""), "");
  EXPECT_EQ(run("Hello, world! 123"), "Hello, world! 123");
  EXPECT_EQ(run("\n\n"), "\n\n");
  EXPECT_EQ(run("line one\n\nthird\n"), "line one\n\nthird\n");
}

TEST_F(EmbeddedDiacritizerTest, DiacritizesEachLineOfAMultiLineText) {
  const std::string a = "ذهب الولد", b = "Latin only", c = "جاء المعلم";
  EXPECT_EQ(run(a + "\n" + b + "\n" + c), run(a) + "\n" + b + "\n" + run(c));
}

TEST_F(EmbeddedDiacritizerTest, MarksBeforeTheFirstLetterStay) {
  const std::string in = "\u064E كتب";
  const std::string out = run(in);
  EXPECT_EQ(out.rfind("\u064E ك", 0), 0u);
}

TEST_F(EmbeddedDiacritizerTest, LongLinesAreCutIntoSegmentsAndKeepTheirLetters) {
  std::string in;
  for (int i = 0; i < 300; ++i) in += "قال الرجل للناس، ";
  const std::string out = run(in);
  EXPECT_EQ(strip_marks(out), in);
}

TEST_F(EmbeddedDiacritizerTest, RejectsInvalidUtf8) {
  auto out = diacritizer_->diacritize(std::string("كتب \xFF"));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kInvalidInput);
}

TEST_F(EmbeddedDiacritizerTest, ConcurrentCallsGiveTheSequentialResults) {
  const std::vector<std::string> inputs = {"ذهب الولد إلى المدرسة", "قال رسول الله",
                                           "كتب الطالب الدرس", "العلم نور"};
  std::vector<std::string> expected;
  for (const auto& in : inputs) expected.push_back(run(in));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 50; ++k) {
        const std::size_t i = static_cast<std::size_t>((t + k) % 4);
        auto out = diacritizer_->diacritize(inputs[i]);
        if (!out || *out != expected[i]) ++mismatches[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

long minor_faults_of_this_thread() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_minflt;
}

// The commands that run jobs map every block above 128 KiB on its own (tune_allocator): were a
// line's working memory allocated afresh, each line would map megabytes anew and fault on every
// 4 KiB page of them (three times the CPU time of the network). Once a line as long has run,
// lines, longer or shorter up to that length, take no fresh memory.
TEST_F(EmbeddedDiacritizerTest, LinesAfterTheFirstTakeNoFreshMemory) {
  tune_allocator();  // what polyvox's main() does
  std::ifstream val(POLYVOX_VAL_FILE);
  std::string line, longer;
  ASSERT_TRUE(std::getline(val, line));
  const std::string shorter = strip_marks(line);
  for (longer = shorter; longer.size() < 2400 && std::getline(val, line);) {
    longer += " " + strip_marks(line);  // over 1,200 letters: two segments of at most 800
  }
  ASSERT_GE(longer.size(), 2400u);
  const std::string expected_longer = run(longer), expected_shorter = run(shorter);
  const long before = minor_faults_of_this_thread();
  for (int round = 0; round < 5; ++round) {
    EXPECT_EQ(run(longer), expected_longer);
    EXPECT_EQ(run(shorter), expected_shorter);
  }
  // Ten lines; a fresh allocation of the network's memory costs thousands of faults per line.
  EXPECT_LT(minor_faults_of_this_thread() - before, 200);
}

// True when every mark of `out` that `in` did not have follows one of the 36 letters (directly
// or after that letter's other marks). REQUIRES: only_appends_marks(in, out).
bool added_marks_follow_letters(const std::string& in, const std::string& out) {
  std::size_t i = 0;
  bool after_letter = false;  // out[o] follows a letter and only marks since
  for (std::size_t o = 0; o < out.size();) {
    const bool added = is_mark_at(out, o) && !(i < in.size() && is_mark_at(in, i));
    if (added && !after_letter) return false;
    if (is_mark_at(out, o)) {
      if (!added) i += 2;
      o += 2;
      continue;
    }
    // A base character: decode its length, and whether it is a letter.
    const auto b = static_cast<unsigned char>(out[o]);
    const std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? b : b & (0x3F >> (len - 1));
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (out[o + k] & 0x3F);
    after_letter = arabic::is_letter(cp);
    o += len, i += len;
  }
  return true;
}

TEST_F(EmbeddedDiacritizerTest, HelperRejectsMarksAfterNonLetters) {
  EXPECT_TRUE(added_marks_follow_letters("a كب", "a ك\u064Eب"));
  EXPECT_FALSE(added_marks_follow_letters("a كب", "a\u064E كب"));
  EXPECT_FALSE(added_marks_follow_letters("كب 1", "كب 1\u064E"));
}

// Modern news and web text: Latin words, digits of both scripts, URLs, e-mail addresses,
// hashtags, punctuation and words mixing scripts come out unchanged and in place; marks go
// only after Arabic letters.
TEST_F(EmbeddedDiacritizerTest, NewsAndWebTextKeepsEveryNonArabicCharacterInPlace) {
  const std::vector<std::string> lines = {
      "أعلنت شركة Apple يوم 12 سبتمبر 2023 عن هاتف iPhone 15 بسعر 799 دولارا.",
      "لمزيد من المعلومات زوروا https://www.example.com/ar/news?id=42&lang=ar أو راسلونا على "
      "info@example.org",
      "ارتفع المؤشر بنسبة ٣٫٥٪ في تداولات الثلاثاء #اقتصاد @وكالة_الأنباء",
      "قال الرئيس التنفيذي لـ\"OpenAI\" إن نموذج GPT-4o متاح الآن (بالعربية) – وفق رويترز…",
      "سجل فريقXYZ هدفين في الدقيقة 90+3، والنتيجة 2-1.",
      "درجة الحرارة 35°C في الرياض؛ و٤٠ درجة في جدة!",
  };
  for (const auto& in : lines) {
    const std::string out = run(in);
    EXPECT_EQ(strip_marks(out), in);
    EXPECT_TRUE(only_appends_marks(in, out)) << out;
    EXPECT_TRUE(added_marks_follow_letters(in, out)) << out;
    EXPECT_GT(out.size(), in.size()) << "no marks added to: " << in;
  }
}

// The eight marks of `text`, in order (UTF-8).
std::string marks_only(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_mark_at(text, i)) out += text.substr(i++, 2);
  }
  return out;
}

// Arabic combining marks other than the eight (the superscript alef of هٰذا, Quranic signs) stay
// where they are, and do not cut their word in two: the letters get the marks they get without
// them.
TEST_F(EmbeddedDiacritizerTest, OtherArabicMarksStayInPlaceAndKeepTheirWordWhole) {
  const std::string plain = "هذا الكتاب لكن الرحمن رحيم";
  const std::string in = "هٰذا الكتاب لٰكن الرحمٰن رحيمۖ";
  const std::string out = run(in);
  EXPECT_EQ(strip_marks(out), in);
  EXPECT_TRUE(only_appends_marks(in, out)) << out;
  EXPECT_EQ(marks_only(out), marks_only(run(plain + "ۖ"))) << out;
  EXPECT_EQ(run("ٰ ۡ"), "ٰ ۡ");  // no letter: unchanged
}

// A tatweel (kashida, U+0640) stretches the letter before it: the word is read whole, the letters
// get the marks they get without it, each placed right after its letter (before the tatweel),
// and the tatweels stay where they were. It used to end the word: م of مـــرحبا got no mark and
// ت of كـتـاب a sukun before the alef.
TEST_F(EmbeddedDiacritizerTest, ATatweelKeepsItsWordWholeAndItsMarksBeforeIt) {
  const std::string plain = "مرحبا بكم في كتاب العربية";
  const std::string in = "مـــرحبا بكم في كـتـاب العـربـيـة";
  const std::string out = run(in);
  EXPECT_EQ(strip_marks(out), in);
  EXPECT_TRUE(only_appends_marks(in, out)) << out;
  EXPECT_EQ(marks_only(out), marks_only(run(plain))) << out;
  std::string without_tatweel;
  for (std::size_t pos = 0; pos < out.size();) {
    const std::size_t start = pos;
    if (next_code_point(out, pos) != 0x0640) without_tatweel += out.substr(start, pos - start);
  }
  EXPECT_EQ(without_tatweel, run(plain)) << out;  // each mark right after its letter
  EXPECT_EQ(run("ـ ـــ"), "ـ ـــ");               // no letter: unchanged
}

// Text in Unicode NFD writes أ إ آ ؤ ئ as a letter and a combining hamza or madda: the model
// reads the composed letter, the text stays as written, and the marks chosen are those of the
// composed text.
TEST_F(EmbeddedDiacritizerTest, DecomposedHamzaLettersGetTheMarksOfTheComposedOnes) {
  const std::string composed = "سأل أحمد عن إسلام آدم ومسؤول جائزة";
  const std::string decomposed =
      "سأل أحمد عن إسلام آدم ومسؤول "
      "جائزة";
  const std::string out = run(decomposed);
  EXPECT_EQ(strip_marks(out), decomposed);
  EXPECT_TRUE(only_appends_marks(decomposed, out)) << out;
  EXPECT_EQ(marks_only(out), marks_only(run(composed))) << out;
}

// A fully marked line (the gold of a validation line) keeps every mark it has; letters without
// marks in it may gain some, and nothing else changes.
TEST_F(EmbeddedDiacritizerTest, FullyMarkedLinesKeepEveryMark) {
  std::ifstream val(POLYVOX_VAL_FILE);
  ASSERT_TRUE(val.good());
  std::string line;
  for (int k = 0; k < 100 && std::getline(val, line); ++k) {
    const std::string out = run(line);
    EXPECT_TRUE(only_appends_marks(line, out)) << "line " << k + 1;
  }
}

TEST_F(EmbeddedDiacritizerTest, ExplainGivesTheSameLineAndOneChoicePerWord) {
  const std::string in = "ذهب الولد إلى المدرسة مع صديقه كريستوفر في Paris";
  std::vector<EmbeddedDiacritizer::WordChoice> words;
  const std::string out = diacritizer_->explain_line(in, words);
  EXPECT_EQ(out, diacritizer_->diacritize_line(in));
  ASSERT_EQ(words.size(), 8u);
  std::string joined;
  for (const auto& w : words) joined += strip_marks(w.word) + " ";
  EXPECT_EQ(joined, "ذهب الولد إلى المدرسة مع صديقه كريستوفر في ");
  for (const auto& w : words) {
    EXPECT_NE(out.find(w.word), std::string::npos) << w.word;
    EXPECT_EQ(strip_marks(w.network_word), strip_marks(w.word));
  }
  // A frequent word is the lexicon's; a foreign name it never saw is the network's alone.
  EXPECT_EQ(words[7].source, EmbeddedDiacritizer::Source::kLexicon);
  EXPECT_EQ(words[6].source, EmbeddedDiacritizer::Source::kNetwork);
  EXPECT_EQ(words[6].word, words[6].network_word);
  EXPECT_STREQ(EmbeddedDiacritizer::source_name(words[7].source), "lexicon");
  EXPECT_STREQ(EmbeddedDiacritizer::source_name(EmbeddedDiacritizer::Source::kLexiconStem),
               "lexicon+network");
}

// The figures behind each choice: a frequent word's lexicon counts, an unseen name's none; the
// network's probability of its own marks for the word is the product over its letters, so it
// lies in (0, weakest letter].
TEST_F(EmbeddedDiacritizerTest, ExplainGivesTheLexiconCountsAndTheNetworkConfidence) {
  std::vector<EmbeddedDiacritizer::WordChoice> words;
  diacritizer_->explain_line("ذهب الولد مع كريستوفر في Paris", words);
  ASSERT_EQ(words.size(), 5u);
  const auto& frequent = words[4];  // في
  EXPECT_EQ(frequent.source, EmbeddedDiacritizer::Source::kLexicon);
  EXPECT_GT(frequent.word_count, 1000.0);
  EXPECT_GE(frequent.lexicon_patterns, 1u);
  EXPECT_GT(frequent.pattern_count, 0u);
  EXPECT_LE(frequent.pattern_count, frequent.word_count);
  const auto& name = words[3];  // كريستوفر
  EXPECT_EQ(name.word_count, 0.0);
  EXPECT_EQ(name.lexicon_patterns, 0u);
  EXPECT_EQ(name.pattern_count, 0u);
  for (const auto& w : words) {
    EXPECT_GT(w.network_confidence, 0.0) << w.word;
    EXPECT_LE(w.network_confidence, w.weakest_letter + 1e-12) << w.word;
    EXPECT_LE(w.weakest_letter, 1.0) << w.word;
  }
  // The network is surer of a frequent function word than of a name it never saw.
  EXPECT_GT(frequent.network_confidence, name.network_confidence);
}

TEST_F(EmbeddedDiacritizerTest, ExplainKeepsGivenMarksInTheWords) {
  std::vector<EmbeddedDiacritizer::WordChoice> words;
  diacritizer_->explain_line("كُتِب الدرسُ", words);
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(words[0].word.rfind("كُ", 0), 0u);
  EXPECT_TRUE(only_appends_marks("الدرسُ", words[1].word)) << words[1].word;
}

// A one-word lexicon (in a temporary file) that gives الولد an absurd pattern, all sukun,
// seen `count` times, with the header's network margins `margins` ("" for none); or, given
// `word`, gives that word (of five letters) the same pattern.
class AbsurdLexicon {
 public:
  AbsurdLexicon(int count, const std::string& margins, const std::string& word = "الولد") {
    char pattern[] = "/tmp/polyvox-lexicon-XXXXXX";
    const int fd = ::mkstemp(pattern);
    path_ = pattern;
    ::close(fd);
    std::ofstream(path_) << "#polyvox-lexicon 3 prior_weight=0 full_min_count=5 left_weight=0 "
                            "right_weight=0 context_smoothing=1 context_min_count=2"
                         << margins << "\n"
                         << word << "\t77777:" << count << "\n";
  }
  ~AbsurdLexicon() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// How the word at `index` of `line` is decided with `lexicon`.
EmbeddedDiacritizer::WordChoice decide_word(const AbsurdLexicon& lexicon, const char* line,
                                            std::size_t index) {
  auto created = EmbeddedDiacritizer::create(model_path(), lexicon.path());
  EXPECT_TRUE(created) << created.error().to_string();
  if (!created) return {};
  std::vector<EmbeddedDiacritizer::WordChoice> words;
  (*created)->explain_line(line, words);
  EXPECT_GT(words.size(), index);
  return words.size() > index ? words[index] : EmbeddedDiacritizer::WordChoice{};
}

// How الولد is decided in a line, with the lexicon above.
EmbeddedDiacritizer::WordChoice decide_the_boy(int count, const std::string& margins) {
  return decide_word(AbsurdLexicon(count, margins), "ذهب الولد إلى المدرسة", 1);
}

TEST(EmbeddedDiacritizerMarginTest, WithoutMarginsTheLexiconAlwaysDecides) {
  const auto w = decide_the_boy(100, "");
  EXPECT_EQ(w.source, EmbeddedDiacritizer::Source::kLexicon);
  EXPECT_EQ(w.word, "اْلْوْلْدْ");  // every letter with a sukun
  EXPECT_NE(w.word, w.network_word);
}

TEST(EmbeddedDiacritizerMarginTest, TheNetworkOverrulesAPatternItScoresFarBelowItsOwnMarks) {
  // A frequent word (whole patterns): network_margin_full decides.
  auto w = decide_the_boy(100, " network_margin_full=2 network_margin_rare=1000000");
  EXPECT_EQ(w.source, EmbeddedDiacritizer::Source::kNetworkOverLexicon);
  EXPECT_EQ(w.word, w.network_word);
  EXPECT_STREQ(EmbeddedDiacritizer::source_name(w.source), "network-over-lexicon");
  EXPECT_EQ(w.lexicon_patterns, 1u);
  w = decide_the_boy(100, " network_margin_full=1000000 network_margin_rare=0");
  EXPECT_EQ(w.source, EmbeddedDiacritizer::Source::kLexicon);
  // A rare word (patterns of all letters but the last): network_margin_rare decides.
  w = decide_the_boy(3, " network_margin_full=1000000 network_margin_rare=2");
  EXPECT_EQ(w.source, EmbeddedDiacritizer::Source::kNetworkOverLexicon);
  EXPECT_EQ(w.word, w.network_word);
  w = decide_the_boy(3, " network_margin_full=0 network_margin_rare=1000000");
  EXPECT_EQ(w.source, EmbeddedDiacritizer::Source::kLexiconStem);
  EXPECT_EQ(w.word.rfind("اْلْوْلْ", 0), 0u) << w.word;
}

// How وبمدرستهم ("and in their school", unseen) is decided in a line when the lexicon knows
// only مدرسة, all sukun, with the header's `fields`.
EmbeddedDiacritizer::WordChoice decide_by_stem(const std::string& fields) {
  return decide_word(AbsurdLexicon(100, fields, "مدرسة"), "ذهب الولد وبمدرستهم", 2);
}

TEST(EmbeddedDiacritizerStemTest, AKnownStemChoosesTheInnerLettersOfAnUnseenWord) {
  // و + ب + مدرست(ة) + هم: the stem's letters but the last, from the third letter on.
  auto w =
      decide_by_stem(" network_margin_full=1000000 network_margin_rare=1000000 stem_backoff=1");
  EXPECT_EQ(w.source, EmbeddedDiacritizer::Source::kStem);
  EXPECT_STREQ(EmbeddedDiacritizer::source_name(w.source), "stem");
  EXPECT_EQ(w.stem, "مدرسة");
  EXPECT_DOUBLE_EQ(w.stem_count, 100);
  EXPECT_EQ(w.stem_pattern_count, 100u);
  EXPECT_DOUBLE_EQ(w.word_count, 0);
  EXPECT_NE(w.word.find("مْدْرْسْت"), std::string::npos) << w.word;
  EXPECT_EQ(w.word.find("وْ"), std::string::npos) << w.word;  // the clitics: the network's
  EXPECT_NE(w.word, w.network_word);
  // Without stem_backoff, or with a margin the network's own marks clear, the network decides.
  w = decide_by_stem(" network_margin_full=1000000 network_margin_rare=1000000");
  EXPECT_EQ(w.source, EmbeddedDiacritizer::Source::kNetwork);
  EXPECT_EQ(w.word, w.network_word);
  w = decide_by_stem(" network_margin_full=0 network_margin_rare=0 stem_backoff=1");
  EXPECT_EQ(w.source, EmbeddedDiacritizer::Source::kNetwork);
  EXPECT_EQ(w.word, w.network_word);
  EXPECT_TRUE(w.stem.empty());
}

TEST(EmbeddedDiacritizerStemTest, MarksAlreadyWrittenOnTheStemRuleOutItsPatterns) {
  // A fatha written on the stem's first letter: the all-sukun pattern does not fit it.
  AbsurdLexicon lexicon(100,
                        " network_margin_full=1000000 network_margin_rare=1000000 "
                        "stem_backoff=1",
                        "مدرسة");
  const auto w = decide_word(lexicon, "ذهب الولد وبمَدرستهم", 2);
  EXPECT_EQ(w.source, EmbeddedDiacritizer::Source::kNetwork);
  EXPECT_NE(w.word.find("مَ"), std::string::npos) << w.word;  // kept, nothing added to it
  EXPECT_EQ(w.word.find("مَْ"), std::string::npos) << w.word;
  EXPECT_EQ(w.word, w.network_word);
}

TEST(EmbeddedDiacritizerStemTest, ExplainNamesTheStemTheNetworkReadAWordAs) {
  const char* line = "ذهب الولد وبمدرستهم";  // وبمدرستهم is not in the network's list
  std::vector<EmbeddedDiacritizer::WordChoice> stems, plain;
  auto committed = EmbeddedDiacritizer::create(model_path(), lexicon_path());
  ASSERT_TRUE(committed) << committed.error().to_string();
  (*committed)->explain_line(line, stems);
  // The committed network's file (read with stems: "word_stems":1 in its header) with that
  // field set to 0: the same weights, unlisted words read as unknown.
  using test_support::read_file, test_support::write_file;
  const test_support::TempDir dir;
  write_file(dir / "no_stems.bin",
             testing_weights::with_header_change(read_file(model_path()), "\"word_stems\":1",
                                                 "\"word_stems\":0"));
  auto without = EmbeddedDiacritizer::create((dir / "no_stems.bin").string(), lexicon_path());
  ASSERT_TRUE(without) << without.error().to_string();
  (*without)->explain_line(line, plain);
  ASSERT_EQ(stems.size(), 3u);
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_EQ(stems[0].network_stem, "");  // words of the list read as themselves
  EXPECT_EQ(stems[1].network_stem, "");
  EXPECT_EQ(stems[2].network_stem, "مدرسة");  // و + ب + مدرست(ة) + هم
  for (const auto& w : plain) EXPECT_EQ(w.network_stem, "") << w.word;
  // A different input to the network: its scores for the word's letters move.
  EXPECT_NE(stems[2].network_confidence, plain[2].network_confidence);
}

TEST(EmbeddedDiacritizerLoadTest, MissingModelFileIsAnError) {
  auto created = EmbeddedDiacritizer::create("/nonexistent/arabic_diacritizer.bin", lexicon_path());
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().message.find("/nonexistent/arabic_diacritizer.bin"), std::string::npos);
}

TEST(EmbeddedDiacritizerLoadTest, MissingLexiconIsAnError) {
  auto created = EmbeddedDiacritizer::create(model_path(), "/nonexistent/lexicon");
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().message.find("/nonexistent/lexicon"), std::string::npos);
}

TEST(EmbeddedDiacritizerLoadTest, NonModelFileIsAnError) {
  auto created = EmbeddedDiacritizer::create(std::string(POLYVOX_SOURCE_DIR) + "/CMakeLists.txt",
                                             lexicon_path());
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().kind, ErrorKind::kInvalidInput);
}

}  // namespace
}  // namespace polyvox
