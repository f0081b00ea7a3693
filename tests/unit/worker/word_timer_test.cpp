#include "worker/word_timer.h"

#include <gtest/gtest.h>

#include "support/audio_fixtures.h"

namespace polyvox {
namespace {

using test_support::concat;
using test_support::silence;
using test_support::tone;

constexpr int kRate = 16000;

void expect_ordered_within(const BlockTimings& t, double speech_ms) {
  for (std::size_t i = 0; i < t.words.size(); ++i) {
    const WordTiming& w = t.words[i];
    EXPECT_GE(w.start_ms, 0.0) << w.text;
    EXPECT_LE(w.start_ms, w.end_ms) << w.text;
    EXPECT_LE(w.end_ms, speech_ms) << w.text;
    if (i > 0) {
      EXPECT_GE(w.start_ms, t.words[i - 1].start_ms) << w.text;
      EXPECT_GE(w.start_ms, t.words[i - 1].end_ms) << w.text;
    }
  }
}

TEST(WordSpansTest, SplitsAtWhiteSpaceOnly) {
  const std::string text = "  Hello,\tworld!  \u0645\u0631\u062D\u0628\u0627 end";
  const auto spans = word_spans(text);
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(text.substr(spans[0].begin, spans[0].end - spans[0].begin), "Hello,");
  EXPECT_EQ(text.substr(spans[1].begin, spans[1].end - spans[1].begin), "world!");
  EXPECT_EQ(text.substr(spans[2].begin, spans[2].end - spans[2].begin),
            "\u0645\u0631\u062D\u0628\u0627");
  EXPECT_EQ(text.substr(spans[3].begin, spans[3].end - spans[3].begin), "end");
  EXPECT_TRUE(word_spans(" \n ").empty());
}

TEST(PhraseEndTest, SentencesClausesAndNeither) {
  EXPECT_EQ(phrase_end("end."), PhraseEnd::kSentence);
  EXPECT_EQ(phrase_end("really?\""), PhraseEnd::kSentence);
  EXPECT_EQ(phrase_end("\u0644\u0645\u0627\u0630\u0627\u061F"), PhraseEnd::kSentence);  // ؟
  EXPECT_EQ(phrase_end("so,"), PhraseEnd::kClause);
  EXPECT_EQ(phrase_end("\u0646\u0639\u0645\u060C"), PhraseEnd::kClause);  // ،
  EXPECT_EQ(phrase_end("word"), PhraseEnd::kNone);
  EXPECT_EQ(phrase_end(")"), PhraseEnd::kNone);
}

TEST(TimingsFromMarksTest, EachWordTakesItsMarksAndTheRestIsPlacedByLetters) {
  const std::string text = "One two three four.";
  SpeechMarks marks;
  marks.source = "engine";
  marks.marks = {{0, 3, 100.0, -1.0}, {8, 13, 500.0, 700.0}};  // "One", "three"
  const BlockTimings t = timings_from_marks(marks, text, text, 1000.0);
  EXPECT_EQ(t.source, "engine");
  ASSERT_EQ(t.words.size(), 4u);
  EXPECT_EQ(t.words[0].text, "One");
  EXPECT_DOUBLE_EQ(t.words[0].start_ms, 100.0);
  // "two" between "One" (3 letters) and "three": 3 / (3 + 3) of the way from 100 to 500.
  EXPECT_NEAR(t.words[1].start_ms, 300.0, 1e-9);
  EXPECT_DOUBLE_EQ(t.words[0].end_ms, t.words[1].start_ms);
  EXPECT_DOUBLE_EQ(t.words[2].start_ms, 500.0);
  EXPECT_DOUBLE_EQ(t.words[2].end_ms, 700.0);
  // "four." after the known end of "three", up to the end of the speech.
  EXPECT_GE(t.words[3].start_ms, 500.0);
  EXPECT_DOUBLE_EQ(t.words[3].end_ms, 1000.0);
  expect_ordered_within(t, 1000.0);
}

TEST(TimingsFromMarksTest, StartsNeverGoBackAndTimesStayInsideTheSpeech) {
  const std::string text = "a b c";
  SpeechMarks marks{"engine", {{0, 1, 300.0, -1.0}, {2, 3, 200.0, -1.0}, {4, 5, 5000.0, -1.0}}};
  const BlockTimings t = timings_from_marks(marks, text, text, 800.0);
  ASSERT_EQ(t.words.size(), 3u);
  EXPECT_DOUBLE_EQ(t.words[1].start_ms, 300.0);
  EXPECT_DOUBLE_EQ(t.words[2].start_ms, 800.0);
  expect_ordered_within(t, 800.0);
}

TEST(TimingsFromMarksTest, DiacritizedWordsMapBackToTheTextAsWritten) {
  // The provider heard the diacritized text; the user wrote it without marks.
  const std::string written = "\u0645\u0631\u062D\u0628\u0627 \u0628\u0643\u0645";
  const std::string spoken =
      "\u0645\u064E\u0631\u0652\u062D\u064E\u0628\u064B\u0627 "
      "\u0628\u0650\u0643\u064F\u0645\u0652";
  const auto spans = word_spans(spoken);
  ASSERT_EQ(spans.size(), 2u);
  SpeechMarks marks{
      "espeak",
      {{spans[0].begin, spans[0].end, 20.0, -1.0}, {spans[1].begin, spans[1].end, 400.0, -1.0}}};
  const BlockTimings t = timings_from_marks(marks, spoken, written, 700.0);
  ASSERT_EQ(t.words.size(), 2u);
  EXPECT_EQ(t.words[0].text, "\u0645\u0631\u062D\u0628\u0627");
  EXPECT_EQ(t.words[1].text, "\u0628\u0643\u0645");
  EXPECT_DOUBLE_EQ(t.words[0].start_ms, 20.0);
  EXPECT_DOUBLE_EQ(t.words[1].start_ms, 400.0);
}

TEST(TimingsFromMarksTest, MoreWrittenWordsThanSpokenStillCoverEveryWord) {
  const BlockTimings t =
      timings_from_marks(SpeechMarks{"e", {{0, 2, 0.0, 300.0}}}, "ab", "a b", 300.0);
  ASSERT_EQ(t.words.size(), 2u);
  EXPECT_EQ(t.words[0].text, "a");
  EXPECT_EQ(t.words[1].text, "b");
  expect_ordered_within(t, 300.0);
}

TEST(MoveMarksTest, ShiftsThenScalesAndMovesTextPositions) {
  SpeechMarks marks{"e", {{0, 3, 100.0, 300.0}, {4, 6, 20.0, -1.0}}};
  move_marks(marks, -50.0, 2.0, 10);
  EXPECT_EQ(marks.marks[0], (WordMark{10, 13, 25.0, 125.0}));
  EXPECT_EQ(marks.marks[1], (WordMark{14, 16, 0.0, -1.0}));  // clamped at 0, unknown end kept
}

// Three sentences of tone separated by pauses: each sentence starts where its pause ends.
TEST(TimingsFromAudioTest, SentencesStartWhereThePausesEnd) {
  const std::string text = "The first sentence here. A second one follows! And the third, last.";
  auto speech = concat(silence(50, kRate), tone(1200, kRate, 220.0, 0.3));
  speech = concat(speech, silence(300, kRate));
  speech = concat(speech, tone(900, kRate, 220.0, 0.3));
  speech = concat(speech, silence(250, kRate));
  speech = concat(speech, tone(1000, kRate, 220.0, 0.3));
  speech = concat(speech, silence(50, kRate));
  const double speech_ms = 1000.0 * static_cast<double>(speech.size()) / kRate;
  const BlockTimings t = timings_from_audio(speech, kRate, text, text);
  EXPECT_EQ(t.source, "audio");
  ASSERT_EQ(t.words.size(), 12u);
  EXPECT_EQ(t.words[0].text, "The");
  EXPECT_NEAR(t.words[0].start_ms, 50.0, 10.0);
  EXPECT_EQ(t.words[4].text, "A");
  EXPECT_NEAR(t.words[4].start_ms, 50.0 + 1200 + 300, 10.0);
  EXPECT_NEAR(t.words[3].end_ms, 50.0 + 1200, 10.0);  // "here." ends where the pause begins
  EXPECT_EQ(t.words[8].text, "And");
  EXPECT_NEAR(t.words[8].start_ms, 50.0 + 1200 + 300 + 900 + 250, 10.0);
  EXPECT_NEAR(t.words.back().end_ms, speech_ms - 50.0, 10.0);
  expect_ordered_within(t, speech_ms);
}

// A pause inside a sentence with no punctuation near it (a breath) is not taken for a sentence
// boundary that lies far from it.
TEST(TimingsFromAudioTest, APauseFarFromAnyBoundaryIsLeftUnused) {
  const std::string text = "One two three four five six seven eight nine ten. Eleven twelve.";
  auto speech = concat(tone(300, kRate, 220.0, 0.3), silence(200, kRate));  // a breath
  speech = concat(speech, tone(2700, kRate, 220.0, 0.3));
  speech = concat(speech, silence(300, kRate));
  speech = concat(speech, tone(800, kRate, 220.0, 0.3));
  const BlockTimings t = timings_from_audio(speech, kRate, text, text);
  ASSERT_EQ(t.words.size(), 12u);
  EXPECT_EQ(t.words[10].text, "Eleven");
  EXPECT_NEAR(t.words[10].start_ms, 300.0 + 200 + 2700 + 300, 10.0);
}

// At a rate whose 10 ms are not a whole number of samples (22,050 Hz: frames of 220 samples,
// 9.977 ms), the frames' times are their true ones: counted as 10 ms each, a pause found after
// 30 s of speech was placed 70 ms late.
TEST(TimingsFromAudioTest, PausesKeepTheirTimeAtRatesOfFractionalFrames) {
  constexpr int kOddRate = 22050;
  const std::string text = "aaaa bbbb. cccc dddd.";
  auto speech = concat(tone(30'000, kOddRate, 220.0, 0.3), silence(300, kOddRate));
  speech = concat(speech, tone(30'000, kOddRate, 220.0, 0.3));
  const BlockTimings t = timings_from_audio(speech, kOddRate, text, text);
  ASSERT_EQ(t.words.size(), 4u);
  EXPECT_EQ(t.words[2].text, "cccc");
  EXPECT_NEAR(t.words[1].end_ms, 30'000.0, 10.0);
  EXPECT_NEAR(t.words[2].start_ms, 30'300.0, 10.0);
}

TEST(TimingsFromAudioTest, NoPauseSpreadsWordsByLetters) {
  const std::string text = "aaaa bb";
  const auto speech = tone(600, kRate, 220.0, 0.3);
  const BlockTimings t = timings_from_audio(speech, kRate, text, text);
  ASSERT_EQ(t.words.size(), 2u);
  EXPECT_NEAR(t.words[0].start_ms, 0.0, 10.0);
  EXPECT_NEAR(t.words[1].start_ms, 400.0, 10.0);
  EXPECT_NEAR(t.words[1].end_ms, 600.0, 10.0);
}

TEST(BlockTimingsTest, JsonRoundTripAndMalformedTextGivesNone) {
  BlockTimings t{"espeak", {{"Hello,", 0.0, 120.5}, {"\u0639\u0627\u0644\u0645", 130.25, 400.0}}};
  EXPECT_EQ(BlockTimings::from_json(t.to_json()), t);
  EXPECT_EQ(BlockTimings::from_json("{\"timing_source\": 3}"), BlockTimings{});
  EXPECT_EQ(BlockTimings::from_json("not json"), BlockTimings{});
  EXPECT_EQ(BlockTimings::from_json(""), BlockTimings{});
}

TEST(SpeechMarksTest, JsonRoundTripRefusesMarksOutsideTheText) {
  SpeechMarks m{"flite", {{0, 5, 10.0, 200.0}, {6, 11, 250.0, -1.0}}};
  EXPECT_EQ(SpeechMarks::from_json(m.to_json(), 11), m);
  EXPECT_EQ(SpeechMarks::from_json(m.to_json(), 10), SpeechMarks{});
  EXPECT_EQ(SpeechMarks::from_json("[]", 10), SpeechMarks{});
}

}  // namespace
}  // namespace polyvox
