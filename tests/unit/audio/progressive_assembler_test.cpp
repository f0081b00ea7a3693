#include "audio/progressive_assembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "audio/assembler.h"
#include "audio/decoder.h"
#include "audio/mp3_frame.h"
#include "audio/segment.h"
#include "audio/wav.h"
#include "providers/espeak_provider.h"
#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

constexpr int kRate = 44100;
// FFmpeg's MP3 decoder delay (libavformat skips encoder delay + 528 + 1 samples).
constexpr int64_t kMp3DecoderDelay = 529;

const char* kSentences[] = {
    "The quick brown fox jumps over the lazy dog.",
    "Progressive audio plays while the job renders.",
    "Seven.",
    "Each block is encoded on its own, then joined without re-encoding.",
    "Numbers like 42 and 1999 are spoken too.",
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Real speech: espeak-ng's voice output, resampled to the job's rate.
std::vector<float> speech(const std::string& text, int rate = kRate) {
  static const std::unique_ptr<EspeakProvider> espeak = std::move(EspeakProvider::create().value());
  auto audio = espeak->synthesize({text, *espeak->resolve_voice("en")});
  EXPECT_TRUE(audio.ok());
  auto pcm = resample(decode_audio(*audio).value(), rate);
  EXPECT_TRUE(pcm.ok());
  return pcm->samples;
}

// The segments of a job of `count` spoken blocks (block i says sentence (i + variant) % 5 and
// waits 0..280 ms after it), encoded as the worker encodes them.
std::vector<std::string> job_segments(OutputFormat format, std::size_t count, int variant = 0) {
  SegmentOptions options;
  options.format = format;
  std::vector<std::string> segments;
  for (std::size_t i = 0; i < count; ++i) {
    const auto pcm = speech(kSentences[(i + variant) % std::size(kSentences)]);
    const int64_t pause = ms_to_samples(static_cast<double>((i * 70 + variant * 30) % 300), kRate);
    auto segment = encode_segment(pcm, 0, pause, i + 1 == count, options);
    EXPECT_TRUE(segment.ok());
    segments.push_back(std::move(segment->bytes));
  }
  return segments;
}

// What assemble_segments makes of them: the final file.
std::string final_file(OutputFormat format, const std::vector<std::string>& segments) {
  std::unique_ptr<std::FILE, FileCloser> out(std::tmpfile());
  auto result = assemble_segments(
      format, segments.size(), [&](std::size_t i) -> Result<std::string> { return segments[i]; },
      out.get());
  EXPECT_TRUE(result.ok()) << result.error().to_string();
  return polyvox::test_support::slurp(out.get());
}

// What add() returns for each segment, in order; then finish().
std::vector<std::string> stream_chunks(OutputFormat format,
                                       const std::vector<std::string>& segments) {
  ProgressiveAssembler assembler(format, segments.size());
  std::vector<std::string> chunks;
  for (const std::string& segment : segments) {
    auto chunk = assembler.add(segment);
    EXPECT_TRUE(chunk.ok()) << chunk.error().to_string();
    chunks.push_back(chunk.ok() ? *chunk : "");
  }
  auto tail = assembler.finish();
  EXPECT_TRUE(tail.ok()) << tail.error().to_string();
  EXPECT_TRUE(tail->empty());
  return chunks;
}

std::string joined(const std::vector<std::string>& chunks, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += chunks[i];
  return out;
}

std::vector<float> decode(const std::string& bytes) {
  auto pcm = decode_audio(EncodedAudio{bytes});
  EXPECT_TRUE(pcm.ok()) << pcm.error().to_string();
  if (!pcm.ok()) return {};
  EXPECT_EQ(pcm->sample_rate, kRate);
  return pcm->samples;
}

// What the ffmpeg CLI says decoding `bytes` read from a pipe, as a client reads a stream it cannot
// seek in: any error ("" when none). For MP3 it also stops at the first one (-xerror). Not for
// WAV: with sentinel sizes the data has no known end, so FFmpeg's last read is shorter than it
// asked for and it marks that packet "corrupt" (a warning, fatal under -xerror), as it does for
// its own streaming WAV output (`ffmpeg ... -f wav pipe:`); every sample still decodes (the tests
// compare them).
std::string ffmpeg_errors(const std::string& bytes, OutputFormat format) {
  polyvox::test_support::TempDir dir;
  polyvox::test_support::write_file(dir / "stream", bytes);
  const std::string command = "cat " + (dir / "stream").string() + " | ffmpeg -nostdin -v error " +
                              (format == OutputFormat::kMp3 ? "-xerror -f mp3" : "-f wav") +
                              " -i pipe:0 -f null - 2> " + (dir / "errors").string();
  const int rc = polyvox::test_support::run(command);
  const std::string errors = polyvox::test_support::read_file(dir / "errors");
  return rc == 0 && errors.empty() ? "" : "exit " + std::to_string(rc) + ": " + errors;
}

std::size_t first_frame_bytes(const std::string& mp3) {
  return parse_mp3_frame_header(bytes_of(mp3))->frame_bytes;
}

// LAME padding of an MP3 segment (its Info tag).
int64_t padding_of(const std::string& segment) {
  const auto header = parse_mp3_frame_header(bytes_of(segment));
  return parse_xing_tag(bytes_of(segment).subspan(0, header->frame_bytes), *header)
      ->encoder_padding;
}

// Audio frames after the stream's Info frame.
int64_t audio_frames(const std::string& mp3) {
  int64_t frames = -1;
  for (std::size_t pos = 0; pos < mp3.size(); ++frames) {
    pos += parse_mp3_frame_header(bytes_of(mp3).subspan(pos))->frame_bytes;
  }
  return frames;
}

struct Case {
  OutputFormat format;
  std::size_t count;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << output_format_name(c.format) << " x " << c.count;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::string(output_format_name(info.param.format)) + "_" +
         std::to_string(info.param.count);
}

class ProgressiveStreamTest : public ::testing::TestWithParam<Case> {};

// The headers aside, the stream carries the final file's bytes; decoded, it gives the final
// file's samples: exactly for WAV; for MP3 exactly, followed by the last segment's padding less
// the decoder delay (progressive_assembler.h).
TEST_P(ProgressiveStreamTest, DecodesCleanlyToTheFinalFilesSamples) {
  const auto [format, count] = GetParam();
  const auto segments = job_segments(format, count);
  const std::string file = final_file(format, segments);
  const std::string stream = joined(stream_chunks(format, segments), count);

  EXPECT_EQ(ffmpeg_errors(stream, format), "");
  const std::vector<float> from_file = decode(file);
  const std::vector<float> from_stream = decode(stream);
  ASSERT_FALSE(from_file.empty());
  ASSERT_GE(from_stream.size(), from_file.size());
  EXPECT_TRUE(std::equal(from_file.begin(), from_file.end(), from_stream.begin()))
      << "the stream's samples differ from the final file's";
  const auto extra = static_cast<int64_t>(from_stream.size() - from_file.size());
  if (format == OutputFormat::kWav) {
    EXPECT_EQ(extra, 0);
    EXPECT_EQ(stream.substr(kWavHeaderBytes), file.substr(kWavHeaderBytes));
  } else {
    EXPECT_EQ(extra, padding_of(segments.back()) - kMp3DecoderDelay);
    EXPECT_GE(extra, 47);
    EXPECT_LE(extra, 1198);
    EXPECT_EQ(stream.substr(first_frame_bytes(stream)), file.substr(first_frame_bytes(file)));
  }
}

// A client listening mid-job, or a job that fails after some blocks: the stream as it stands
// after any add() decodes cleanly to the start of the whole stream's samples.
TEST_P(ProgressiveStreamTest, StreamCutAfterAnyAddDecodesCleanly) {
  const auto [format, count] = GetParam();
  const auto segments = job_segments(format, count);
  const auto chunks = stream_chunks(format, segments);
  const std::vector<float> whole = decode(joined(chunks, count));
  for (std::size_t k = 1; k <= count; ++k) {
    const std::string cut = joined(chunks, k);
    EXPECT_EQ(ffmpeg_errors(cut, format), "") << "cut after segment " << k - 1;
    const std::vector<float> samples = decode(cut);
    const int64_t expected =
        format == OutputFormat::kWav
            ? static_cast<int64_t>(cut.size() - kWavHeaderBytes) / 2
            : audio_frames(cut) * kMp3FrameSamples - kLameEncoderDelay - kMp3DecoderDelay;
    ASSERT_EQ(static_cast<int64_t>(samples.size()), expected) << "cut after segment " << k - 1;
    EXPECT_TRUE(std::equal(samples.begin(), samples.end(), whole.begin()))
        << "cut after segment " << k - 1;
  }
}

// True streaming: what add() returns for segment k depends on segments 0..k only.
TEST_P(ProgressiveStreamTest, AddReturnsTheSameBytesWhateverFollows) {
  const auto [format, count] = GetParam();
  const auto segments = job_segments(format, count);
  auto other = job_segments(format, count, 1);
  const std::size_t shared = (count + 1) / 2;  // other job: same first blocks, then others
  for (std::size_t i = 0; i < shared; ++i) other[i] = segments[i];
  if (count > 1) {
    ASSERT_TRUE(other.back() != segments.back());
  }
  const auto chunks = stream_chunks(format, segments);
  const auto other_chunks = stream_chunks(format, other);
  for (std::size_t i = 0; i < shared; ++i) EXPECT_TRUE(chunks[i] == other_chunks[i]) << i;
  if (count > 1) {
    EXPECT_TRUE(chunks.back() != other_chunks.back());
  }
}

INSTANTIATE_TEST_SUITE_P(FormatsAndCounts, ProgressiveStreamTest,
                         ::testing::Values(Case{OutputFormat::kMp3, 1}, Case{OutputFormat::kMp3, 2},
                                           Case{OutputFormat::kMp3, 20},
                                           Case{OutputFormat::kWav, 1}, Case{OutputFormat::kWav, 2},
                                           Case{OutputFormat::kWav, 20}),
                         case_name);

// Samples the ffmpeg CLI decodes from `bytes` read from a pipe (f32le, as decode_audio gives).
std::string ffmpeg_pipe_samples(const std::string& bytes) {
  polyvox::test_support::TempDir dir;
  polyvox::test_support::write_file(dir / "in", bytes);
  EXPECT_EQ(polyvox::test_support::run("cat " + (dir / "in").string() +
                                       " | ffmpeg -nostdin -v error -f mp3 -i pipe:0 -f f32le " +
                                       (dir / "out").string()),
            0);
  return polyvox::test_support::read_file(dir / "out");
}

// Read from a pipe, FFmpeg cannot trust the final file's frame count and trims its padding no
// more than the stream's: there the two decode to the same samples.
TEST(ProgressiveAssemblerTest, FromAPipeMp3StreamAndFinalFileDecodeAlike) {
  const auto segments = job_segments(OutputFormat::kMp3, 20);
  const std::string from_file = ffmpeg_pipe_samples(final_file(OutputFormat::kMp3, segments));
  const std::string from_stream =
      ffmpeg_pipe_samples(joined(stream_chunks(OutputFormat::kMp3, segments), segments.size()));
  ASSERT_GT(from_file.size(), 0u);
  EXPECT_TRUE(from_file == from_stream) << from_file.size() / 4 << " samples from the file, "
                                        << from_stream.size() / 4 << " from the stream";
}

TEST(ProgressiveAssemblerTest, WavHeaderCarriesSentinelSizes) {
  const auto segments = job_segments(OutputFormat::kWav, 1);
  ProgressiveAssembler assembler(OutputFormat::kWav, 1);
  const std::string chunk = assembler.add(segments[0]).value();
  ASSERT_GT(chunk.size(), kWavHeaderBytes);
  EXPECT_EQ(chunk.substr(0, 4), "RIFF");
  EXPECT_EQ(chunk.substr(4, 4), std::string(4, '\xFF'));
  EXPECT_EQ(chunk.substr(36, 4), "data");
  EXPECT_EQ(chunk.substr(40, 4), std::string(4, '\xFF'));
  // The rest of the header is the final file's.
  const std::string file = final_file(OutputFormat::kWav, segments);
  EXPECT_EQ(chunk.substr(8, 28), file.substr(8, 28));
}

TEST(ProgressiveAssemblerTest, Mp3StreamStartsWithAnOpenEndedInfoTag) {
  const auto segments = job_segments(OutputFormat::kMp3, 2);
  ProgressiveAssembler assembler(OutputFormat::kMp3, 2);
  const std::string chunk = assembler.add(segments[0]).value();
  const auto header = parse_mp3_frame_header(bytes_of(chunk));
  ASSERT_TRUE(header.has_value());
  const auto tag = parse_xing_tag(bytes_of(chunk).subspan(0, header->frame_bytes), *header);
  ASSERT_TRUE(tag.has_value());
  EXPECT_FALSE(tag->frames.has_value());
  EXPECT_EQ(tag->bytes, kUnknownStreamBytes);
  EXPECT_TRUE(tag->has_lame);
  EXPECT_EQ(tag->encoder_delay, kLameEncoderDelay);
  EXPECT_EQ(tag->encoder_padding, 0);
}

TEST(ProgressiveAssemblerTest, CorruptSegmentIsAnErrorNamingItAndIsNotConsumed) {
  const auto segments = job_segments(OutputFormat::kMp3, 3);
  std::string corrupt = segments[1];
  // Break the header of its third frame (after the Info frame and the first audio frame).
  const std::size_t tag_bytes = first_frame_bytes(corrupt);
  const std::size_t third =
      tag_bytes + parse_mp3_frame_header(bytes_of(corrupt).subspan(tag_bytes))->frame_bytes;
  corrupt[third] = 0x00;

  ProgressiveAssembler assembler(OutputFormat::kMp3, 3);
  std::string stream = assembler.add(segments[0]).value();
  auto failed = assembler.add(corrupt);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(failed.error().message, "segment 1: corrupt MP3 data at byte " + std::to_string(third));
  EXPECT_EQ(assembler.segments_added(), 1u);
  // The caller may add the right bytes instead: the stream is then the whole one.
  stream += assembler.add(segments[1]).value();
  stream += assembler.add(segments[2]).value();
  EXPECT_EQ(stream, joined(stream_chunks(OutputFormat::kMp3, segments), 3));
}

TEST(ProgressiveAssemblerTest, TruncatedSegmentIsAnErrorNamingIt) {
  auto segments = job_segments(OutputFormat::kMp3, 3);
  // Its last two frames are missing.
  std::vector<std::size_t> frame_starts;
  for (std::size_t pos = 0; pos < segments[2].size();) {
    frame_starts.push_back(pos);
    pos += parse_mp3_frame_header(bytes_of(segments[2]).subspan(pos))->frame_bytes;
  }
  segments[2].resize(frame_starts[frame_starts.size() - 2]);
  ProgressiveAssembler assembler(OutputFormat::kMp3, 3);
  ASSERT_TRUE(assembler.add(segments[0]).ok());
  ASSERT_TRUE(assembler.add(segments[1]).ok());
  auto failed = assembler.add(segments[2]);
  ASSERT_FALSE(failed.ok());
  const auto frames = static_cast<int64_t>(frame_starts.size()) - 1;  // the Info frame aside
  EXPECT_EQ(failed.error().message, "segment 2: truncated: " + std::to_string(frames - 2) + " of " +
                                        std::to_string(frames) + " frames");
}

TEST(ProgressiveAssemblerTest, Mp3SegmentOfAnotherRateIsAnErrorNamingIt) {
  const auto segments = job_segments(OutputFormat::kMp3, 2);
  SegmentOptions options;
  options.sample_rate = 48000;
  const std::string other_rate =
      encode_segment(speech(kSentences[0], 48000), 0, 0, true, options)->bytes;
  ProgressiveAssembler assembler(OutputFormat::kMp3, 2);
  ASSERT_TRUE(assembler.add(segments[0]).ok());
  auto failed = assembler.add(other_rate);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message,
            "segment 1: different MP3 format than segment 0 (MPEG-1 48000 Hz mono, not MPEG-1 "
            "44100 Hz mono)");
}

TEST(ProgressiveAssemblerTest, WavSegmentOfAnotherRateOrLayoutIsAnErrorNamingIt) {
  const auto segments = job_segments(OutputFormat::kWav, 3);
  const std::string other_rate = wav_file(speech(kSentences[1], 22050), 0, 22050);
  std::string stereo = segments[1];
  stereo[22] = 2;  // channels
  ProgressiveAssembler assembler(OutputFormat::kWav, 3);
  ASSERT_TRUE(assembler.add(segments[0]).ok());

  auto failed = assembler.add(other_rate);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message,
            "segment 1: different sample rate than segment 0 (22050 Hz, not 44100 Hz)");
  failed = assembler.add(stereo);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "segment 1: not a mono 16-bit PCM WAV file");
  failed = assembler.add("not audio at all");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "segment 1: not a mono 16-bit PCM WAV file");
  EXPECT_TRUE(assembler.add(segments[1]).ok());
}

TEST(ProgressiveAssemblerTest, SegmentOfTheWrongFormatIsAnErrorNamingIt) {
  const auto wav = job_segments(OutputFormat::kWav, 1);
  const auto mp3 = job_segments(OutputFormat::kMp3, 1);
  auto failed = ProgressiveAssembler(OutputFormat::kMp3, 1).add(wav[0]);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "segment 0: not an MP3 stream");
  failed = ProgressiveAssembler(OutputFormat::kWav, 1).add(mp3[0]);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "segment 0: not a mono 16-bit PCM WAV file");
  failed = ProgressiveAssembler(OutputFormat::kMp3, 1).add("");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "segment 0: not an MP3 stream");
}

// A stand-alone encode (laid out as a last segment) anywhere but last would shift every later
// block in time: refused as assemble_segments refuses it.
TEST(ProgressiveAssemblerTest, SegmentNotLaidOutForGaplessAssemblyIsAnErrorUnlessLast) {
  const auto last_only = job_segments(OutputFormat::kMp3, 1);
  ProgressiveAssembler assembler(OutputFormat::kMp3, 2);
  auto failed = assembler.add(last_only[0]);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "segment 0: not laid out for gapless assembly");
  const auto segments = job_segments(OutputFormat::kMp3, 2);
  ASSERT_TRUE(assembler.add(segments[0]).ok());
  EXPECT_TRUE(assembler.add(last_only[0]).ok());
}

TEST(ProgressiveAssemblerTest, CountsSegmentsAgainstTheJob) {
  const auto segments = job_segments(OutputFormat::kWav, 2);
  ProgressiveAssembler assembler(OutputFormat::kWav, 2);
  ASSERT_TRUE(assembler.add(segments[0]).ok());
  auto early = assembler.finish();
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().message, "the stream ends after 1 of 2 segments");
  ASSERT_TRUE(assembler.add(segments[1]).ok());
  auto extra = assembler.add(segments[1]);
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().message, "segment 2: the job has only 2 segments");
  EXPECT_TRUE(assembler.finish().ok());
}

}  // namespace
}  // namespace polyvox::audio
