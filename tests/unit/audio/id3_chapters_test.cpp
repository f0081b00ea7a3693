// Chapters of MP3 files: the ID3v2.4 tag's bytes, and a file assembled behind it that decodes to
// exactly the samples of the same file without it (the Info tag's counts are of the frames).
#include "audio/id3_chapters.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "audio/assembler.h"
#include "audio/decoder.h"
#include "audio/mp3_frame.h"
#include "audio/segment.h"
#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

uint32_t be32(const std::string& s, std::size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

uint32_t syncsafe(const std::string& s, std::size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 7) | (static_cast<unsigned char>(s[at + i]) & 0x7F);
  return v;
}

TEST(PlaceChaptersTest, EachChapterRunsToTheNextOrTheEnd) {
  const auto chapters = place_chapters({"One", "", "Two", ""}, {0, 100, 250, 400}, 500);
  ASSERT_EQ(chapters.size(), 2u);
  EXPECT_EQ(chapters[0].title, "One");
  EXPECT_EQ(chapters[0].start_samples, 0);
  EXPECT_EQ(chapters[0].end_samples, 250);
  EXPECT_EQ(chapters[1].title, "Two");
  EXPECT_EQ(chapters[1].start_samples, 250);
  EXPECT_EQ(chapters[1].end_samples, 500);
  EXPECT_TRUE(place_chapters({"", ""}, {0, 10}, 20).empty());
  EXPECT_EQ(chapter_ms(44100, 44100), 1000u);
  EXPECT_EQ(chapter_ms(22, 44100), 0u);  // 0.499 ms
  EXPECT_EQ(chapter_ms(23, 44100), 1u);  // 0.522 ms
}

TEST(Id3ChapterTagTest, HoldsATableOfContentsAndOneChapFramePerChapter) {
  const std::vector<Chapter> chapters{{"Intro", 0, 44100}, {"L'été", 44100, 110250}};
  const std::string tag = id3_chapter_tag(chapters, 44100);
  ASSERT_GT(tag.size(), 10u);
  EXPECT_EQ(tag.substr(0, 5), std::string("ID3\x04\x00", 5));
  EXPECT_EQ(syncsafe(tag, 6), tag.size() - 10);
  // CTOC: "toc\0", flags top-level|ordered, 2 entries, "ch0\0ch1\0".
  std::size_t at = 10;
  EXPECT_EQ(tag.substr(at, 4), "CTOC");
  const uint32_t toc_size = syncsafe(tag, at + 4);
  EXPECT_EQ(tag.substr(at + 10, toc_size), std::string("toc\0\x03\x02"
                                                       "ch0\0ch1\0",
                                                       14));
  at += 10 + toc_size;
  const std::vector<std::pair<uint32_t, uint32_t>> times{{0, 1000}, {1000, 2500}};
  for (std::size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(tag.substr(at, 4), "CHAP") << i;
    const uint32_t size = syncsafe(tag, at + 4);
    const std::string body = tag.substr(at + 10, size);
    EXPECT_EQ(body.substr(0, 4), "ch" + std::to_string(i) + std::string(1, '\0'));
    EXPECT_EQ(be32(body, 4), times[i].first);
    EXPECT_EQ(be32(body, 8), times[i].second);
    EXPECT_EQ(be32(body, 12), 0xFFFFFFFFu);
    EXPECT_EQ(be32(body, 16), 0xFFFFFFFFu);
    EXPECT_EQ(body.substr(20, 4), "TIT2");
    EXPECT_EQ(body.substr(30), "\x03" + chapters[i].title);  // UTF-8, as written
    at += 10 + size;
  }
  EXPECT_EQ(at, tag.size());
  EXPECT_EQ(id3_chapter_tag({}, 44100), "");
}

std::string assemble_file(const std::vector<std::string>& segments, const std::string& id3) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::tmpfile(), &std::fclose);
  auto result = assemble_segments(
      OutputFormat::kMp3, segments.size(),
      [&](std::size_t i) -> Result<std::string> { return segments[i]; }, out.get(), id3);
  EXPECT_TRUE(result.ok()) << result.error().to_string();
  std::string bytes = polyvox::test_support::slurp(out.get());
  if (result.ok()) {
    EXPECT_EQ(result->bytes, bytes.size());
  }
  return bytes;
}

TEST(Id3ChapterTagTest, AnMp3FileBehindTheTagDecodesToTheSameSamples) {
  constexpr int kRate = 44100;
  SegmentOptions options;
  std::vector<std::string> segments;
  for (int i = 0; i < 3; ++i) {
    auto seg = encode_segment(polyvox::test_support::tone(300 + 100 * i, kRate, 300 + 100 * i), 0,
                              ms_to_samples(200, kRate), i == 2, options);
    ASSERT_TRUE(seg.ok());
    segments.push_back(seg->bytes);
  }
  const std::string id3 = id3_chapter_tag({{"One", 0, 30000}, {"Two", 30000, 60000}}, kRate);
  const std::string plain = assemble_file(segments, "");
  const std::string tagged = assemble_file(segments, id3);
  ASSERT_EQ(tagged.size(), plain.size() + id3.size());
  EXPECT_EQ(tagged.substr(0, id3.size()), id3);
  EXPECT_EQ(tagged.substr(id3.size()), plain);  // the Info tag is the same: it counts frames
  auto a = decode_audio(EncodedAudio{plain});
  auto b = decode_audio(EncodedAudio{tagged});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->samples, b->samples);
}

}  // namespace
}  // namespace polyvox::audio
