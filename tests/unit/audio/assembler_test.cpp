#include "audio/assembler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <random>

#include "audio/decoder.h"
#include "audio/mp3_frame.h"
#include "audio/segment.h"
#include "audio/wav.h"
#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

constexpr int kRate = 44100;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

struct Script {
  std::vector<std::string> segments;
  std::vector<int64_t> offsets;  // expected start of each segment's speech
  int64_t total = 0;
};

// `count` tone bursts of random length and pause, encoded as independent segments.
Script make_script(std::size_t count, OutputFormat format, unsigned seed, int min_pause_ms,
                   int max_pause_ms) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> tone_ms(40, 250), pause_ms(min_pause_ms, max_pause_ms);
  SegmentOptions options;
  options.format = format;
  Script s;
  for (std::size_t i = 0; i < count; ++i) {
    const auto speech =
        polyvox::test_support::tone(tone_ms(rng), kRate, 300.0 + 50.0 * (i % 7), 0.5);
    const int64_t pause = ms_to_samples(pause_ms(rng), kRate);
    auto seg = encode_segment(speech, 0, pause, i + 1 == count, options);
    EXPECT_TRUE(seg.ok());
    s.offsets.push_back(s.total);
    s.total += seg->speech_samples + seg->pause_samples;
    s.segments.push_back(std::move(seg->bytes));
  }
  return s;
}

Result<AssemblyResult> assemble(const Script& script, OutputFormat format, std::FILE* out) {
  return assemble_segments(
      format, script.segments.size(),
      [&](std::size_t i) -> Result<std::string> { return script.segments[i]; }, out);
}

PcmBuffer decode(std::FILE* f) {
  auto pcm = decode_audio(EncodedAudio{polyvox::test_support::slurp(f)});
  EXPECT_TRUE(pcm.ok()) << (pcm.ok() ? "" : pcm.error().to_string());
  return pcm.ok() ? *pcm : PcmBuffer{};
}

// First sample at or after `from` louder than `threshold`.
int64_t onset(const PcmBuffer& pcm, int64_t from, float threshold = 0.1f) {
  for (auto i = static_cast<std::size_t>(std::max<int64_t>(from, 0)); i < pcm.samples.size(); ++i) {
    if (std::fabs(pcm.samples[i]) > threshold) return static_cast<int64_t>(i);
  }
  return -1;
}

class AssemblyTimingTest : public ::testing::TestWithParam<std::size_t> {};

// Decoded duration equals the sum of speech and pauses, and every block starts where the plan
// says, for any number of segments: nothing accumulates.
TEST_P(AssemblyTimingTest, Mp3TimingIsExactForAnyNumberOfSegments) {
  const std::size_t count = GetParam();
  Script script = make_script(count, OutputFormat::kMp3, static_cast<unsigned>(count), 30, 120);
  File out(std::tmpfile());
  auto result = assemble(script, OutputFormat::kMp3, out.get());
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->samples, script.total);
  EXPECT_EQ(result->sample_rate, kRate);

  PcmBuffer pcm = decode(out.get());
  EXPECT_EQ(static_cast<int64_t>(pcm.samples.size()), script.total);
  const int64_t tolerance = ms_to_samples(5, kRate);
  for (std::size_t i = 0; i < count; ++i) {
    const int64_t found = onset(pcm, script.offsets[i] - tolerance);
    ASSERT_NEAR(found, script.offsets[i], tolerance) << "segment " << i << " of " << count;
  }
}

INSTANTIATE_TEST_SUITE_P(Counts, AssemblyTimingTest, ::testing::Values(1, 2, 3, 10, 100, 1000));

TEST(AssemblerTest, Mp3WithoutPausesKeepsExactDuration) {
  Script script = make_script(200, OutputFormat::kMp3, 9, 0, 0);
  File out(std::tmpfile());
  auto result = assemble(script, OutputFormat::kMp3, out.get());
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  PcmBuffer pcm = decode(out.get());
  EXPECT_EQ(static_cast<int64_t>(pcm.samples.size()), script.total);
}

TEST(AssemblerTest, PausesAreDigitalSilence) {
  Script script = make_script(20, OutputFormat::kMp3, 3, 200, 400);
  File out(std::tmpfile());
  ASSERT_TRUE(assemble(script, OutputFormat::kMp3, out.get()).ok());
  PcmBuffer pcm = decode(out.get());
  const int64_t margin = ms_to_samples(20, kRate);  // codec smear at the edges of speech
  for (std::size_t i = 0; i + 1 < script.offsets.size(); ++i) {
    // The pause is the end of segment i: silence from (next offset - pause) to next offset.
    const int64_t next = script.offsets[i + 1];
    float peak = 0.0f;
    // At least 200 ms of pause precede `next`; check its middle.
    for (int64_t k = next - ms_to_samples(200, kRate) + margin; k < next - margin; ++k) {
      peak = std::max(peak, std::fabs(pcm.samples[k]));
    }
    EXPECT_LT(20.0 * std::log10(std::max(peak, 1e-9f)), -60.0) << "pause after segment " << i;
  }
}

TEST(AssemblerTest, WavConcatenationIsSampleExact) {
  Script script = make_script(50, OutputFormat::kWav, 5, 0, 100);
  File out(std::tmpfile());
  auto result = assemble(script, OutputFormat::kWav, out.get());
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->samples, script.total);
  PcmBuffer pcm = decode(out.get());
  EXPECT_EQ(static_cast<int64_t>(pcm.samples.size()), script.total);
  for (std::size_t i = 0; i < script.offsets.size(); ++i) {
    // A sine starts at phase 0: its second sample is the first non-zero one.
    EXPECT_EQ(onset(pcm, script.offsets[i], 0.0f), script.offsets[i] + 1) << i;
  }
}

// A WAV result larger than RIFF's 32-bit sizes allow (13.5 hours at 44.1 kHz) is written as RF64;
// the limit is lowered here so that the file is small. FFmpeg decodes it to the same samples as
// the canonical file, and the ds64 chunk carries the real sizes.
TEST(AssemblerTest, WavOverTheRiffLimitIsRf64) {
  Script script = make_script(20, OutputFormat::kWav, 9, 0, 100);
  auto source = [&](std::size_t i) -> Result<std::string> { return script.segments[i]; };
  const auto data_bytes = static_cast<uint64_t>(script.total) * 2;
  File canonical(std::tmpfile());
  auto plain = assemble_segments(OutputFormat::kWav, script.segments.size(), source,
                                 canonical.get(), {}, WavPlan{data_bytes});
  ASSERT_TRUE(plain.ok()) << plain.error().to_string();
  const std::string plain_bytes = polyvox::test_support::slurp(canonical.get());
  ASSERT_EQ(plain_bytes.substr(0, 4), "RIFF");

  File out(std::tmpfile());
  auto result = assemble_segments(OutputFormat::kWav, script.segments.size(), source, out.get(), {},
                                  WavPlan{data_bytes, data_bytes});
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->samples, script.total);
  EXPECT_EQ(result->bytes, kRf64HeaderBytes + data_bytes);
  const std::string bytes = polyvox::test_support::slurp(out.get());
  ASSERT_EQ(bytes.size(), result->bytes);
  EXPECT_EQ(bytes.substr(0, 4), "RF64");
  EXPECT_EQ(bytes.substr(12, 4), "ds64");
  uint64_t ds64_data = 0;
  for (int i = 7; i >= 0; --i) ds64_data = (ds64_data << 8) | static_cast<uint8_t>(bytes[28 + i]);
  EXPECT_EQ(ds64_data, data_bytes);
  EXPECT_EQ(bytes.substr(kRf64HeaderBytes), plain_bytes.substr(kWavHeaderBytes));
  PcmBuffer pcm = decode(out.get());
  EXPECT_EQ(static_cast<int64_t>(pcm.samples.size()), script.total);
  EXPECT_EQ(pcm.samples, decode(canonical.get()).samples);
}

// Segments holding more than the blocks announced, past the canonical header's limit: an error
// naming both sizes, never a header whose sizes wrapped around.
TEST(AssemblerTest, WavLargerThanAnnouncedPastTheLimitFails) {
  Script script = make_script(5, OutputFormat::kWav, 11, 0, 100);
  const auto data_bytes = static_cast<uint64_t>(script.total) * 2;
  File out(std::tmpfile());
  auto result = assemble_segments(
      OutputFormat::kWav, script.segments.size(),
      [&](std::size_t i) -> Result<std::string> { return script.segments[i]; }, out.get(), {},
      WavPlan{data_bytes / 2, kWavHeaderBytes + data_bytes - 1});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(result.error().message.find(std::to_string(data_bytes)), std::string::npos)
      << result.error().message;
}

TEST(AssemblerTest, RejectsCorruptSegment) {
  Script script = make_script(3, OutputFormat::kMp3, 2, 50, 50);
  // Break the header of segment 1's third frame (after its Info frame and first audio frame).
  std::string& bytes = script.segments[1];
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  std::size_t offset = 0;
  for (int frame = 0; frame < 2; ++frame) {
    offset += parse_mp3_frame_header({data + offset, bytes.size() - offset})->frame_bytes;
  }
  bytes[offset] = 0x00;
  File out(std::tmpfile());
  auto result = assemble(script, OutputFormat::kMp3, out.get());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("segment 1: corrupt MP3 data"), std::string::npos)
      << result.error().message;
}

TEST(AssemblerTest, RejectsTruncatedSegment) {
  Script script = make_script(3, OutputFormat::kMp3, 4, 50, 50);
  script.segments[2].resize(script.segments[2].size() - 418 * 2);
  File out(std::tmpfile());
  auto result = assemble(script, OutputFormat::kMp3, out.get());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("segment 2"), std::string::npos);
}

TEST(AssemblerTest, RejectsSegmentNotLaidOutForGaplessAssembly) {
  Script script = make_script(2, OutputFormat::kMp3, 6, 50, 50);
  // A stand-alone encode (laid out as a last segment) placed first.
  SegmentOptions options;
  script.segments[0] =
      encode_segment(polyvox::test_support::tone(100, kRate), 0, 0, true, options)->bytes;
  File out(std::tmpfile());
  auto result = assemble(script, OutputFormat::kMp3, out.get());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("gapless"), std::string::npos);
}

TEST(AssemblerTest, RejectsMixedSampleRates) {
  Script script = make_script(2, OutputFormat::kMp3, 8, 50, 50);
  SegmentOptions options;
  options.sample_rate = 48000;
  script.segments[1] =
      encode_segment(polyvox::test_support::tone(100, 48000), 0, 0, true, options)->bytes;
  File out(std::tmpfile());
  EXPECT_FALSE(assemble(script, OutputFormat::kMp3, out.get()).ok());
}

// Found by tests/fuzz (assembler): a WAV segment whose rate does not fit an int went on into the
// assembled file's header, which then said a negative rate.
TEST(AssemblerTest, RejectsWavSegmentWithImpossibleSampleRate) {
  std::string segment = wav_header(4, 8000) + std::string(4, '\0');
  for (const uint32_t rate : {0u, 0x80000000u, 0xFFFFFFFFu}) {
    for (int i = 0; i < 4; ++i) segment[24 + i] = static_cast<char>((rate >> (8 * i)) & 0xFF);
    File out(std::tmpfile());
    auto result = assemble_segments(
        OutputFormat::kWav, 1, [&](std::size_t) -> Result<std::string> { return segment; },
        out.get());
    EXPECT_FALSE(result.ok()) << "rate " << rate;
  }
}

// Found by tests/fuzz (assembler): an Info tag claiming more encoder delay and padding than its
// frames hold made the result report a negative duration.
TEST(AssemblerTest, RejectsDelayAndPaddingLongerThanTheAudio) {
  SegmentOptions options;
  auto seg = encode_segment(polyvox::test_support::tone(10, kRate), 0, 0, true, options);
  ASSERT_TRUE(seg.ok());
  std::string bytes = seg->bytes;
  auto* data = reinterpret_cast<uint8_t*>(bytes.data());
  const auto header = parse_mp3_frame_header({data, bytes.size()});
  ASSERT_TRUE(header.has_value());
  const std::span<uint8_t> frame(data, header->frame_bytes);
  const auto tag = parse_xing_tag(frame, *header);
  ASSERT_TRUE(tag.has_value() && tag->frames.has_value() && tag->bytes.has_value());
  ASSERT_LT(*tag->frames * header->samples_per_frame, 2u * 4095u);
  ASSERT_TRUE(rewrite_info_tag(frame, *header, *tag->frames, *tag->bytes, 4095, 4095, 0));
  File out(std::tmpfile());
  auto result = assemble_segments(
      OutputFormat::kMp3, 1, [&](std::size_t) -> Result<std::string> { return bytes; }, out.get());
  ASSERT_FALSE(result.ok()) << "samples " << result->samples;
  EXPECT_NE(result.error().message.find("delay and padding"), std::string::npos);
}

TEST(AssemblerTest, PropagatesSourceErrors) {
  File out(std::tmpfile());
  auto result = assemble_segments(
      OutputFormat::kMp3, 2,
      [](std::size_t) -> Result<std::string> {
        return Error{ErrorKind::kIo, "gone", ""};
      },
      out.get());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kIo);
}

}  // namespace
}  // namespace polyvox::audio
