#include "core/subtitles.h"

#include <gtest/gtest.h>

#include "core/manifest.h"
#include "core/utf8.h"

namespace polyvox {
namespace {

// Words of `text` one after another, each `ms_per_word` long, from `start_ms`.
std::vector<WordTiming> evenly(const std::string& text, double ms_per_word, double start_ms = 0) {
  std::vector<WordTiming> words;
  double at = start_ms;
  for (const WordSpan& s : word_spans(text)) {
    words.push_back({text.substr(s.begin, s.end - s.begin), at, at + ms_per_word * 0.9});
    at += ms_per_word;
  }
  return words;
}

void expect_within_rules(const std::vector<Cue>& cues, const std::vector<SubtitleBlock>& blocks) {
  for (std::size_t i = 0; i < cues.size(); ++i) {
    const Cue& c = cues[i];
    const SubtitleBlock& b = blocks.at(c.block);
    EXPECT_GE(c.start_ms, b.offset_ms) << i;
    EXPECT_LE(c.end_ms, b.offset_ms + b.speech_ms) << i;  // never across its block's end
    EXPECT_LE(c.end_ms - c.start_ms, kMaxCueMs) << i;
    if (b.speech_ms >= kMinCueMs) EXPECT_GE(c.end_ms - c.start_ms, kMinCueMs - 1e-9) << i;
    ASSERT_GE(c.lines.size(), 1u);
    EXPECT_LE(c.lines.size(), kMaxCueLines) << i;
    for (const std::string& line : c.lines) {
      EXPECT_LE(utf8_length(line), kMaxLineChars) << line;
      EXPECT_FALSE(line.empty());
    }
    if (i > 0) EXPECT_GE(c.start_ms, cues[i - 1].end_ms) << i;
  }
}

std::string joined(const Cue& c) {
  std::string out;
  for (const auto& l : c.lines) out += (out.empty() ? "" : " ") + l;
  return out;
}

TEST(SubtitlesTest, OneCuePerShortSentenceNeverAcrossBlocks) {
  std::vector<SubtitleBlock> blocks(2);
  blocks[0] = {0.0, 4000.0, "Ann", evenly("Hello there. How are you today?", 600)};
  blocks[1] = {4500.0, 1500.0, "Bob", evenly("Fine, thanks.", 600)};
  const auto cues = make_cues(blocks);
  ASSERT_EQ(cues.size(), 3u);
  EXPECT_EQ(joined(cues[0]), "Hello there.");
  EXPECT_EQ(joined(cues[1]), "How are you today?");
  EXPECT_EQ(joined(cues[2]), "Fine, thanks.");
  EXPECT_EQ(cues[2].block, 1u);
  EXPECT_EQ(cues[2].speaker, "Bob");
  EXPECT_DOUBLE_EQ(cues[1].start_ms, 1200.0);
  EXPECT_DOUBLE_EQ(cues[2].start_ms, 4500.0);
  expect_within_rules(cues, blocks);
}

TEST(SubtitlesTest, LongSentencesAreCutToTwoLinesAndSevenSeconds) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += (i == 17 ? "clause, " : "word ");
  text += "end.";
  std::vector<SubtitleBlock> blocks{{1000.0, 41 * 450.0 + 100, "N", evenly(text, 450, 0)}};
  const auto cues = make_cues(blocks);
  EXPECT_GE(cues.size(), 3u);
  std::string all;
  for (const Cue& c : cues) all += (all.empty() ? "" : " ") + joined(c);
  EXPECT_EQ(all, text);  // every word once, in order
  expect_within_rules(cues, blocks);
}

TEST(SubtitlesTest, ShortCuesLastASecondWhereTheBlockAllows) {
  // "Yes." is 180 ms: joined to the next sentence, and the whole held for a second.
  std::vector<SubtitleBlock> blocks{{0.0, 3000.0, "A", evenly("Yes. And then more words.", 200)}};
  auto cues = make_cues(blocks);
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_EQ(joined(cues[0]), "Yes. And then more words.");
  EXPECT_DOUBLE_EQ(cues[0].end_ms - cues[0].start_ms, 1000.0);
  expect_within_rules(cues, blocks);
  // When the next sentence is too long to join, the short one is held a second and the next
  // starts after it.
  std::string text = "No.";
  for (int i = 0; i < 7; ++i) text += " sentences";
  text += " sentences.";  // two full lines: "No." does not fit before them
  blocks = {{0.0, 6000.0, "A", evenly(text, 400)}};
  cues = make_cues(blocks);
  ASSERT_EQ(cues.size(), 2u);
  EXPECT_EQ(joined(cues[0]), "No.");
  EXPECT_DOUBLE_EQ(cues[0].end_ms, 1000.0);
  EXPECT_DOUBLE_EQ(cues[1].start_ms, 1000.0);
  expect_within_rules(cues, blocks);
  // A block shorter than a second keeps its one short cue.
  std::vector<SubtitleBlock> short_block{{0.0, 400.0, "A", evenly("Hi.", 300)}};
  cues = make_cues(short_block);
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_LE(cues[0].end_ms, 400.0);
}

TEST(SubtitlesTest, AWordLongerThanALineIsCut) {
  const std::string url(100, 'x');
  std::vector<SubtitleBlock> blocks{{0.0, 5000.0, "A", {{url, 0.0, 4000.0}}}};
  const auto cues = make_cues(blocks);
  ASSERT_EQ(cues.size(), 2u);
  EXPECT_EQ(joined(cues[0]).size() + joined(cues[1]).size(), 100u + 1);  // 42 + 42, 16
  expect_within_rules(cues, blocks);
}

TEST(SubtitlesTest, WebVttEscapesTextAndVoiceAndSrtIsPlain) {
  std::vector<SubtitleBlock> blocks{{1234.5, 2000.0, "Ann <B> & Co", evenly("a<b & c>d.", 500)}};
  const auto cues = make_cues(blocks);
  EXPECT_EQ(to_webvtt(cues),
            "WEBVTT\n\n1\n00:00:01.235 --> 00:00:02.685\n"
            "<v Ann &lt;B&gt; &amp; Co>a&lt;b &amp; c&gt;d.\n\n");
  EXPECT_EQ(to_srt(cues), "1\n00:00:01,235 --> 00:00:02,685\na<b & c>d.\n\n");
}

TEST(SubtitlesTest, ArabicCuesKeepTheTextAsWritten) {
  const std::string text =
      "\u0645\u0631\u062D\u0628\u0627 \u0628\u0643\u0645\u060C "
      "\u0643\u064A\u0641 \u062D\u0627\u0644\u0643\u0645\u061F";
  std::vector<SubtitleBlock> blocks{{0.0, 2500.0, "\u0633\u0627\u0631\u0629", evenly(text, 500)}};
  const auto cues = make_cues(blocks);
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_EQ(joined(cues[0]), text);
  EXPECT_NE(to_webvtt(cues).find("<v \u0633\u0627\u0631\u0629>" + text), std::string::npos);
}

TEST(SubtitlesTest, BlocksComeFromTheManifestWithSpeakers) {
  Manifest m;
  m.sample_rate = 1000;
  m.total_samples = 5000;
  m.blocks = {{0, "espeak", "en", 0, 2000, 500, "", "espeak", {{"Hi.", 100, 400}}},
              {1, "flite", "slt", 2500, 2000, 500, "", "flite", {{"Yo.", 10, 300}}},
              {2, "espeak", "en", 5000, 0, 0, "", "", {}}};
  std::vector<BlockSpec> specs(3);
  specs[0].speaker = "Narrator";
  specs[1].voice = "slt";
  specs[2].voice = "default";
  auto blocks = subtitle_blocks(m.to_json(), specs);
  ASSERT_TRUE(blocks.ok()) << blocks.error().message;
  ASSERT_EQ(blocks->size(), 3u);
  EXPECT_EQ((*blocks)[0].speaker, "Narrator");
  EXPECT_EQ((*blocks)[1].speaker, "slt");
  EXPECT_EQ((*blocks)[2].speaker, "en");  // "default": the voice the manifest names
  EXPECT_DOUBLE_EQ((*blocks)[1].offset_ms, 2500.0);
  ASSERT_EQ((*blocks)[1].words.size(), 1u);
  EXPECT_DOUBLE_EQ((*blocks)[1].words[0].start_ms, 10.0);
  // Without words (the manifest /result shows by default) there is nothing to subtitle.
  auto none = subtitle_blocks(drop_words(m.to_json()), specs);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(make_cues(*none).empty());
  EXPECT_FALSE(subtitle_blocks("{}", specs).ok());
  EXPECT_FALSE(subtitle_blocks(m.to_json(), std::vector<BlockSpec>(2)).ok());
}

TEST(ManifestTest, WordsOnlyWhenAskedAndTimingSourceAlways) {
  Manifest m;
  m.sample_rate = 1000;
  m.blocks = {{0, "espeak", "en", 0, 1000, 0, "", "espeak", {{"Hi", 1.23456, 20}}}};
  EXPECT_EQ(m.to_json(-1, false),
            R"({"format":"mp3","sample_rate":1000,"duration_ms":0.0,"blocks":[{"index":0,)"
            R"("provider":"espeak","voice":"en","offset_ms":0.0,"speech_ms":1000.0,)"
            R"("pause_ms":0.0,"timing_source":"espeak"}]})");
  EXPECT_EQ(drop_words(m.to_json(-1)), m.to_json(-1, false));
  EXPECT_NE(m.to_json(-1).find(R"("words":[{"text":"Hi","start_ms":1.235,"end_ms":20.0}])"),
            std::string::npos);
}

}  // namespace
}  // namespace polyvox
