#include "audio/audio_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "audio/decoder.h"
#include "audio/final_encoder.h"
#include "audio/progressive_assembler.h"
#include "audio/wav.h"

namespace polyvox::audio {
namespace {

constexpr int64_t kAacFrame = 1024;

// `n` samples of a 440 Hz tone at `rate`, half scale.
std::vector<int16_t> tone(int64_t n, int rate) {
  std::vector<int16_t> out(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<int16_t>(16000 * std::sin(2 * M_PI * 440.0 * i / rate));
  }
  return out;
}

PcmBuffer decoded(const std::string& bytes) {
  auto pcm = decode_audio(EncodedAudio{bytes, AudioEncoding::kContainer, 0});
  EXPECT_TRUE(pcm.ok()) << (pcm.ok() ? "" : pcm.error().message);
  return pcm.ok() ? *pcm : PcmBuffer{};
}

// Mean squared difference (in s16 units) of decoded[i + lag] and input[i] over the middle.
double misfit(const PcmBuffer& pcm, const std::vector<int16_t>& input, int64_t lag) {
  double total = 0;
  const int64_t from = static_cast<int64_t>(input.size()) / 4, to = 3 * from;
  for (int64_t i = from; i < to; ++i) {
    const double d = pcm.samples[i + lag] * 32768.0 - input[i];
    total += d * d;
  }
  return total / static_cast<double>(to - from);
}

struct Case {
  OutputFormat format;
  int rate;
  int kbps;
};

class EncoderTest : public ::testing::TestWithParam<Case> {};

TEST_P(EncoderTest, DecodesToTheInputAtItsPositionsWithTheStatedPriming) {
  const Case c = GetParam();
  const int64_t n = c.rate + 123;  // not a whole number of any codec's frames
  const auto input = tone(n, c.rate);
  auto bytes = encode_to_memory(AudioOutput{c.format, c.rate, c.kbps}, input);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  const PcmBuffer pcm = decoded(*bytes);
  ASSERT_EQ(pcm.sample_rate, c.rate);
  const auto length = static_cast<int64_t>(pcm.samples.size());
  int64_t lag = 0;
  switch (c.format) {
    case OutputFormat::kFlac:  // lossless
      ASSERT_EQ(length, n);
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(std::lround(pcm.samples[i] * 32768), input[i]);
      return;
    case OutputFormat::kOpus:  // pre-skip and the end granule trim to the sample
      EXPECT_EQ(length, n);
      break;
    case OutputFormat::kM4a:  // the edit list skips the priming; the last frame plays whole
      EXPECT_GE(length, n);
      EXPECT_LT(length, n + kAacFrame);
      break;
    default:  // ADTS: the priming plays first
      lag = kAacFrame;
      EXPECT_EQ(length, (n + kAacFrame + kAacFrame - 1) / kAacFrame * kAacFrame);
      break;
  }
  const double aligned = misfit(pcm, input, lag);
  EXPECT_LT(aligned, 0.05 * 16000.0 * 16000.0 / 2);  // within 5% of the tone's power
  EXPECT_LT(aligned, misfit(pcm, input, lag + 7));   // and nowhere else
  EXPECT_LT(aligned, misfit(pcm, input, lag - 7));
}

TEST_P(EncoderTest, StreamedInPiecesDecodesLikeTheWholeFile) {
  const Case c = GetParam();
  const auto input = tone(c.rate + 500, c.rate);
  auto whole = encode_to_memory(AudioOutput{c.format, c.rate, c.kbps}, input);
  ASSERT_TRUE(whole.ok());
  auto encoder = open_encoder(EncoderSettings{{c.format, c.rate, c.kbps}, EncoderSink::kStream});
  ASSERT_TRUE(encoder.ok()) << encoder.error().message;
  std::string streamed;
  std::size_t pieces_with_bytes = 0;
  for (std::size_t from = 0; from < input.size(); from += input.size() / 4) {
    const std::size_t to = std::min(input.size(), from + input.size() / 4);
    ASSERT_TRUE((*encoder)->add(std::span(input).subspan(from, to - from)));
    const std::string piece = (*encoder)->take();
    pieces_with_bytes += !piece.empty();
    streamed += piece;
  }
  EXPECT_GE(pieces_with_bytes, 3u);  // bytes leave while input still comes
  ASSERT_TRUE((*encoder)->finish());
  streamed += (*encoder)->take();
  const PcmBuffer a = decoded(*whole), b = decoded(streamed);
  if (c.format == OutputFormat::kM4a) {  // fragmented: the same frames, trimmed its own way
    ASSERT_GE(b.samples.size(), input.size());
    EXPECT_LT(b.samples.size(), input.size() + 2 * kAacFrame);
  } else {
    EXPECT_EQ(a.samples, b.samples);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Formats, EncoderTest,
    ::testing::Values(Case{OutputFormat::kFlac, 44100, 0}, Case{OutputFormat::kFlac, 22050, 0},
                      Case{OutputFormat::kOpus, 48000, 64}, Case{OutputFormat::kAac, 44100, 96},
                      Case{OutputFormat::kM4a, 48000, 96}, Case{OutputFormat::kM4a, 24000, 48}),
    [](const auto& info) {
      return std::string(output_format_name(info.param.format)) + std::to_string(info.param.rate);
    });

TEST(Encoder, RefusesFormatsItDoesNotEncode) {
  EXPECT_FALSE(open_encoder(EncoderSettings{{OutputFormat::kMp3, 44100, 128}}).ok());
  EXPECT_FALSE(open_encoder(EncoderSettings{{OutputFormat::kPcm, 44100, 0}}).ok());
}

TEST(Encoder, ProgressiveFlacOfWavSegmentsIsTheirSamples) {
  const auto a = tone(5000, 24000), b = tone(7001, 24000);
  std::vector<float> fa(a.begin(), a.end()), fb(b.begin(), b.end());
  for (auto& v : fa) v /= 32768.0f;
  for (auto& v : fb) v /= 32768.0f;
  ProgressiveAssembler stream(OutputFormat::kFlac, 2);
  auto first = stream.add(wav_file(fa, 100, 24000));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = stream.add(wav_file(fb, 0, 24000));
  ASSERT_TRUE(second.ok());
  auto tail = stream.finish();
  ASSERT_TRUE(tail.ok());
  const PcmBuffer pcm = decoded(*first + *second + *tail);
  ASSERT_EQ(pcm.samples.size(), 5000u + 100u + 7001u);
  EXPECT_EQ(std::lround(pcm.samples[5000 + 100 + 17] * 32768), b[17]);
  EXPECT_EQ(pcm.samples[5000 + 50], 0.0f);  // the pause
}

TEST(Encoder, SegmentInFormatMakesABlocksFile) {
  const auto a = tone(3000, 16000);
  std::vector<float> fa(a.begin(), a.end());
  for (auto& v : fa) v /= 32768.0f;
  const std::string wav = wav_file(fa, 200, 16000);
  auto pcm = segment_in_format(AudioOutput{OutputFormat::kPcm, 0, 0}, wav);
  ASSERT_TRUE(pcm.ok());
  EXPECT_EQ(pcm->size(), 2u * 3200u);
  auto flac = segment_in_format(AudioOutput{OutputFormat::kFlac, 0, 0}, wav);
  ASSERT_TRUE(flac.ok()) << flac.error().message;
  const PcmBuffer decoded_flac = decoded(*flac);
  EXPECT_EQ(decoded_flac.sample_rate, 16000);
  EXPECT_EQ(decoded_flac.samples.size(), 3200u);
  EXPECT_FALSE(segment_in_format(AudioOutput{OutputFormat::kFlac, 0, 0}, "not a wav").ok());
}

}  // namespace
}  // namespace polyvox::audio
