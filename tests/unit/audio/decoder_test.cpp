#include "audio/decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "audio/segment.h"
#include "audio/wav.h"
#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

using polyvox::test_support::TempDir;

TEST(DecoderTest, DecodesRawPcm) {
  EncodedAudio raw{std::string("\x00\x40\x00\xC0\xFF\x7F", 6), AudioEncoding::kPcmS16le, 24000};
  auto pcm = decode_audio(raw);
  ASSERT_TRUE(pcm.ok());
  EXPECT_EQ(pcm->sample_rate, 24000);
  ASSERT_EQ(pcm->samples.size(), 3u);
  EXPECT_FLOAT_EQ(pcm->samples[0], 0.5f);
  EXPECT_FLOAT_EQ(pcm->samples[1], -0.5f);
  EXPECT_NEAR(pcm->samples[2], 1.0f, 1e-4);
}

TEST(DecoderTest, RejectsRawPcmWithoutRateOrWithOddLength) {
  EXPECT_FALSE(decode_audio(EncodedAudio{"ab", AudioEncoding::kPcmS16le, 0}).ok());
  EXPECT_FALSE(decode_audio(EncodedAudio{"abc", AudioEncoding::kPcmS16le, 16000}).ok());
}

TEST(DecoderTest, DecodesWav) {
  auto wav = wav_file(polyvox::test_support::tone(250, 16000), 0, 16000);
  auto pcm = decode_audio(EncodedAudio{wav});
  ASSERT_TRUE(pcm.ok()) << pcm.error().to_string();
  EXPECT_EQ(pcm->sample_rate, 16000);
  EXPECT_EQ(pcm->samples.size(), 4000u);
}

// Found by tests/fuzz (decoder): a float WAV carries NaN and infinity, which went on as samples.
TEST(DecoderTest, RejectsFloatWavWithNonFiniteSamples) {
  auto float_wav = [](float sample) {
    std::string wav = wav_header(4 * 100, 8000);
    wav[20] = 3;                                // WAVE_FORMAT_IEEE_FLOAT
    wav[34] = 32;                               // bits per sample
    wav[28] = static_cast<char>(32000 & 0xFF);  // byte rate
    wav[29] = static_cast<char>(32000 >> 8);
    wav[32] = 4;  // block align
    for (int i = 0; i < 100; ++i) wav.append(reinterpret_cast<const char*>(&sample), 4);
    return wav;
  };
  auto finite = decode_audio(EncodedAudio{float_wav(0.25f)});
  ASSERT_TRUE(finite.ok()) << finite.error().to_string();
  ASSERT_EQ(finite->samples.size(), 100u);
  EXPECT_FLOAT_EQ(finite->samples[0], 0.25f);
  for (const float bad : {std::nanf(""), HUGE_VALF, -HUGE_VALF}) {
    auto pcm = decode_audio(EncodedAudio{float_wav(bad)});
    ASSERT_FALSE(pcm.ok());
    EXPECT_EQ(pcm.error().kind, ErrorKind::kSynthesisFailed);
    EXPECT_NE(pcm.error().message.find("not finite"), std::string::npos) << pcm.error().message;
  }
}

TEST(DecoderTest, DecodesMp3HonouringGaplessInfo) {
  SegmentOptions options;
  auto seg = encode_segment(polyvox::test_support::tone(300, 44100), 0, 0, true, options);
  auto pcm = decode_audio(EncodedAudio{seg->bytes});
  ASSERT_TRUE(pcm.ok());
  EXPECT_EQ(pcm->samples.size(), 13230u);
}

// A final file is measured as it is decoded (worker/final_file.h): decode_audio_file hands over
// the samples decode_audio makes of the same bytes, in chunks, without holding them.
TEST(DecoderTest, DecodesAFileChunkByChunkToTheSamplesOfItsBytes) {
  TempDir dir;
  const auto path = dir / "long.ogg";
  const std::string cmd =
      "ffmpeg -v error -y -f lavfi -i sine=frequency=440:duration=8 -c:a libopus '" +
      path.string() + "'";
  ASSERT_EQ(polyvox::test_support::run(cmd), 0) << cmd;
  auto whole = decode_audio(EncodedAudio{polyvox::test_support::read_file(path)});
  ASSERT_TRUE(whole.ok()) << whole.error().to_string();
  std::vector<float> streamed;
  int chunks = 0, rate = 0;
  const SampleChunkSink collect = [&](int chunk_rate, std::span<const float> samples,
                                      std::string&) {
    ++chunks;
    rate = chunk_rate;
    streamed.insert(streamed.end(), samples.begin(), samples.end());
    return true;
  };
  // From the file, then from its bytes in memory (decode_audio_chunks).
  for (const bool from_file : {true, false}) {
    streamed.clear();
    chunks = 0;
    Status decoded = from_file
                         ? decode_audio_file(path, AudioEncoding::kContainer, 0, {}, collect)
                         : decode_audio_chunks(EncodedAudio{polyvox::test_support::read_file(path)},
                                               {}, collect);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    EXPECT_EQ(rate, whole->sample_rate);
    EXPECT_GT(chunks, 3);  // 8 s at 48 kHz: several chunks, not the whole at once
    EXPECT_TRUE(streamed == whole->samples) << from_file;
  }

  // Raw 16-bit PCM, read a piece at a time too.
  std::string raw;
  for (float sample : whole->samples) {
    const auto v = static_cast<int16_t>(std::lround(std::clamp(sample, -1.0f, 0.999f) * 32767));
    raw.push_back(static_cast<char>(v & 0xFF));
    raw.push_back(static_cast<char>((v >> 8) & 0xFF));
  }
  polyvox::test_support::write_file(dir / "raw.pcm", raw);
  auto raw_whole = decode_audio(EncodedAudio{raw, AudioEncoding::kPcmS16le, 48000});
  ASSERT_TRUE(raw_whole.ok());
  streamed.clear();
  Status decoded = decode_audio_file(dir / "raw.pcm", AudioEncoding::kPcmS16le, 48000, {}, collect);
  ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
  EXPECT_EQ(rate, 48000);
  EXPECT_TRUE(streamed == raw_whole->samples);
}

TEST(DecoderTest, DecodingAFileSaysWhatWentWrong) {
  TempDir dir;
  const SampleChunkSink keep = [](int, std::span<const float>, std::string&) { return true; };
  Status missing = decode_audio_file(dir / "none.mp3", AudioEncoding::kContainer, 0, {}, keep);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kIo);
  polyvox::test_support::write_file(dir / "garbage.mp3", std::string(4096, 'x'));
  Status garbage = decode_audio_file(dir / "garbage.mp3", AudioEncoding::kContainer, 0, {}, keep);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().kind, ErrorKind::kSynthesisFailed);
  SegmentOptions options;
  auto seg = encode_segment(polyvox::test_support::tone(300, 44100), 0, 0, true, options);
  ASSERT_TRUE(seg.ok());
  polyvox::test_support::write_file(dir / "tone.mp3", seg->bytes);
  Status refused = decode_audio_file(dir / "tone.mp3", AudioEncoding::kContainer, 0, {},
                                     [](int, std::span<const float>, std::string& reason) {
                                       reason = "the meter failed";
                                       return false;
                                     });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(refused.error().message, "the meter failed");
  Status garbage_bytes = decode_audio_chunks(EncodedAudio{std::string(4096, 'x')}, {}, keep);
  ASSERT_FALSE(garbage_bytes.ok());
  EXPECT_EQ(garbage_bytes.error().kind, ErrorKind::kSynthesisFailed);
  polyvox::test_support::write_file(dir / "odd.pcm", "abc");
  Status odd = decode_audio_file(dir / "odd.pcm", AudioEncoding::kPcmS16le, 16000, {}, keep);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().kind, ErrorKind::kSynthesisFailed);
}

// Formats providers return (OpenAI: opus, aac, flac), produced by the real ffmpeg CLI.
class DecoderFormatTest : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(DecoderFormatTest, DecodesProviderFormat) {
  const auto& [extension, codec] = GetParam();
  TempDir dir;
  const auto path = dir / ("tone." + extension);
  const std::string cmd =
      "ffmpeg -v error -y -f lavfi -i sine=frequency=440:duration=1.5 -ac 2 "
      "-ar 24000 -c:a " +
      codec + " '" + path.string() + "'";
  ASSERT_EQ(polyvox::test_support::run(cmd), 0) << cmd;
  auto pcm = decode_audio(EncodedAudio{polyvox::test_support::read_file(path)});
  ASSERT_TRUE(pcm.ok()) << pcm.error().to_string();
  // Raw ADTS AAC carries no gapless information: its encoder priming stays (~45 ms).
  EXPECT_NEAR(pcm->duration_ms(), 1500.0, extension == "aac" ? 100.0 : 40.0);
  float peak = 0.0f;
  for (float s : pcm->samples) peak = std::max(peak, std::fabs(s));
  EXPECT_GT(peak, 0.05f);  // the stereo input was mixed down, not lost
}

INSTANTIATE_TEST_SUITE_P(Formats, DecoderFormatTest,
                         ::testing::Values(std::make_pair("ogg", "libopus"),
                                           std::make_pair("flac", "flac"),
                                           std::make_pair("aac", "aac"),
                                           std::make_pair("mp3", "libmp3lame"),
                                           std::make_pair("wav", "pcm_s16le")),
                         [](const auto& info) { return info.param.first; });

// Well-formed files of containers no vendor answers with (the real ffmpeg CLI makes them, some
// around a codec that is allowed): refused by name, not decoded.
struct RefusedFormat {
  std::string extension;
  std::string codec_options;
  std::string format;  // FFmpeg's name of the demuxer refused
};
class DecoderRefusedFormatTest : public ::testing::TestWithParam<RefusedFormat> {};

TEST_P(DecoderRefusedFormatTest, RefusesAWellFormedFileOutsideTheList) {
  const RefusedFormat& refused = GetParam();
  const std::string bytes = polyvox::test_support::ffmpeg_file(
      "sine=frequency=440:duration=1", "-ac 1 -ar 16000 " + refused.codec_options,
      refused.extension);
  ASSERT_FALSE(bytes.empty()) << "ffmpeg made no ." << refused.extension;
  auto pcm = decode_audio(EncodedAudio{bytes});
  ASSERT_FALSE(pcm.ok()) << "decoded " << pcm->samples.size() << " samples";
  EXPECT_EQ(pcm.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(
      pcm.error().message.find("format '" + refused.format + "' is not an allowed answer format"),
      std::string::npos)
      << pcm.error().message;
}

INSTANTIATE_TEST_SUITE_P(Containers, DecoderRefusedFormatTest,
                         ::testing::Values(RefusedFormat{"aiff", "-c:a pcm_s16be", "aiff"},
                                           RefusedFormat{"mkv", "-c:a flac", "matroska,webm"},
                                           RefusedFormat{"ts", "-c:a aac", "mpegts"},
                                           RefusedFormat{"au", "-c:a pcm_s16be", "au"}),
                         [](const auto& info) { return info.param.extension; });

TEST(DecoderTest, RejectsGarbageAndEmptyAnswers) {
  auto garbage = decode_audio(EncodedAudio{std::string(4096, 'x')});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(garbage.error().message.find("undecodable"), std::string::npos);
  EXPECT_FALSE(decode_audio(EncodedAudio{""}).ok());
  EXPECT_FALSE(decode_audio(EncodedAudio{R"({"error": {"message": "quota"}})"}).ok());
}

// --- Answers from a vendor are hostile input -------------------------------------------------

using polyvox::test_support::ffmpeg_file;

TEST(DecoderTest, SurvivesAnMp3ThatTurnsFromStereoToMono) {
  // A stream whose frames change their channel layout midway used to crash the resampler.
  const std::string stereo =
      ffmpeg_file("sine=frequency=440:duration=1",
                  "-ac 2 -ar 44100 -c:a libmp3lame -write_xing 0 -id3v2_version 0", "mp3");
  const std::string mono =
      ffmpeg_file("sine=frequency=660:duration=1",
                  "-ac 1 -ar 44100 -c:a libmp3lame -write_xing 0 -id3v2_version 0", "mp3");
  auto pcm = decode_audio(EncodedAudio{stereo + mono});
  ASSERT_TRUE(pcm.ok()) << pcm.error().to_string();
  EXPECT_EQ(pcm->sample_rate, 44100);
  EXPECT_NEAR(pcm->duration_ms(), 2000.0, 150.0);
}

// Raw MP3 frames without an Info tag keep their encoders' delay and padding: about 50 ms a file.
TEST(DecoderTest, ConvertsAStreamThatChangesRateMidway) {
  const std::string fast =
      ffmpeg_file("sine=frequency=440:duration=1",
                  "-ac 1 -ar 44100 -c:a libmp3lame -write_xing 0 -id3v2_version 0", "mp3");
  const std::string slow =
      ffmpeg_file("sine=frequency=440:duration=1",
                  "-ac 1 -ar 22050 -c:a libmp3lame -write_xing 0 -id3v2_version 0", "mp3");
  auto pcm = decode_audio(EncodedAudio{fast + slow});
  ASSERT_TRUE(pcm.ok()) << pcm.error().to_string();
  EXPECT_TRUE(pcm->sample_rate == 44100 || pcm->sample_rate == 22050) << pcm->sample_rate;
  EXPECT_NEAR(pcm->duration_ms(), 2000.0, 150.0);
}

TEST(DecoderTest, StopsAnAnswerLongerThanItsLimit) {
  // An hour of silence compresses to a small FLAC; it must not be decoded whole.
  const std::string bomb = ffmpeg_file("anullsrc=r=48000:cl=stereo", "-t 3600 -c:a flac", "flac");
  ASSERT_LT(bomb.size(), 2u << 20);
  DecodeLimits limits;
  limits.max_duration_ms = 60'000;
  auto pcm = decode_audio(EncodedAudio{bomb}, limits);
  ASSERT_FALSE(pcm.ok());
  EXPECT_EQ(pcm.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(pcm.error().message.find("longer than"), std::string::npos) << pcm.error().message;
}

// A FLAC stream built byte by byte (the FLAC format specification): STREAMINFO at `stream_rate`
// (mono, 16 bits), then one frame of silence (a constant subframe) per entry of `frames`: its
// block size, and its own rate in Hz (0: the stream's, written as the 48 kHz code; below 65,536:
// the header's 16-bit value in Hz; else in tens of Hz). Encoders never write a frame whose rate
// differs from the stream's, but FFmpeg's decoder takes each frame's as it comes.
struct FlacFrame {
  int block;
  int rate_hz = 0;
};
std::string flac_stream(int stream_rate, const std::vector<FlacFrame>& frames) {
  auto crc8 = [](const std::string& data) {
    uint8_t c = 0;
    for (unsigned char b : data) {
      c ^= b;
      for (int i = 0; i < 8; ++i) c = (c & 0x80) ? static_cast<uint8_t>((c << 1) ^ 0x07) : c << 1;
    }
    return static_cast<char>(c);
  };
  auto crc16 = [](const std::string& data) {
    uint16_t c = 0;
    for (unsigned char b : data) {
      c ^= static_cast<uint16_t>(b << 8);
      for (int i = 0; i < 8; ++i) {
        c = (c & 0x8000) ? static_cast<uint16_t>((c << 1) ^ 0x8005) : static_cast<uint16_t>(c << 1);
      }
    }
    return c;
  };
  auto be16 = [](int v) { return std::string{static_cast<char>(v >> 8), static_cast<char>(v)}; };
  std::string info = be16(4096) + be16(65535) + std::string(6, '\0');  // block and frame sizes
  const uint64_t bits = (static_cast<uint64_t>(stream_rate) << 44) | (uint64_t{15} << 36);
  for (int i = 7; i >= 0; --i) info += static_cast<char>(bits >> (8 * i));  // mono, 16 bits
  info += std::string(16, '\0');                                            // no MD5
  std::string out = "fLaC" + std::string{'\x80', 0, 0, static_cast<char>(info.size())} + info;
  for (std::size_t n = 0; n < frames.size(); ++n) {
    const int rate = frames[n].rate_hz;
    const int rate_code = rate == 0 ? 10 : rate < 65536 ? 13 : 14;
    std::string frame{'\xFF', '\xF8', static_cast<char>((7 << 4) | rate_code),
                      static_cast<char>(4 << 1), static_cast<char>(n)};
    frame += be16(frames[n].block - 1);
    if (rate_code == 13) frame += be16(rate);
    if (rate_code == 14) frame += be16(rate / 10);
    frame += crc8(frame);
    frame += std::string(3, '\0');  // a constant subframe of value 0
    frame += be16(crc16(frame));
    out += frame;
  }
  return out;
}

TEST(DecoderTest, DecodesAFlacStreamBuiltByHand) {
  // The builder below is right: its frames at the stream's rate decode to their samples.
  auto pcm = decode_audio(EncodedAudio{flac_stream(48000, {{4096}, {4096}, {4096}})});
  ASSERT_TRUE(pcm.ok()) << pcm.error().to_string();
  EXPECT_EQ(pcm->sample_rate, 48000);
  EXPECT_EQ(pcm->samples.size(), 3u * 4096);
}

TEST(DecoderTest, RefusesAFrameClaimingAnAbsurdlyLowRate) {
  // 65,535 samples at 1 Hz in a 48 kHz stream would convert to 3.1e9 samples: the output buffer
  // was sized from that (an int overflow, then an exception out of the module) before any limit.
  const std::string bomb = flac_stream(48000, {{4096}, {65535, 1}, {4096}});
  for (int64_t max_ms : {int64_t{0}, int64_t{60'000}}) {
    DecodeLimits limits;
    limits.max_duration_ms = max_ms;
    auto pcm = decode_audio(EncodedAudio{bomb}, limits);
    ASSERT_FALSE(pcm.ok()) << max_ms;
    EXPECT_EQ(pcm.error().kind, ErrorKind::kSynthesisFailed);
    EXPECT_NE(pcm.error().message.find("a frame of 65535 samples at 1 Hz converts to more than"),
              std::string::npos)
        << pcm.error().message;
  }
}

TEST(DecoderTest, StopsALowRateFrameThatWouldPassTheLimit) {
  // 65,535 samples at 1 kHz make 65.5 s at 48 kHz: refused by the limit before being converted.
  DecodeLimits limits;
  limits.max_duration_ms = 60'000;
  auto pcm = decode_audio(EncodedAudio{flac_stream(48000, {{4096}, {65535, 1000}})}, limits);
  ASSERT_FALSE(pcm.ok());
  EXPECT_NE(pcm.error().message.find("longer than 60000 ms"), std::string::npos)
      << pcm.error().message;
  // The same frame within a longer limit is converted.
  limits.max_duration_ms = 70'000;
  auto within = decode_audio(EncodedAudio{flac_stream(48000, {{4096}, {65535, 1000}})}, limits);
  ASSERT_TRUE(within.ok()) << within.error().to_string();
  EXPECT_NEAR(within->duration_ms(), 4096 / 48.0 + 65535.0, 50.0);
}

TEST(DecoderTest, RefusesSampleRatesAbove192kHz) {
  auto stream = decode_audio(EncodedAudio{flac_stream(655350, {{4096, 655350}})});
  ASSERT_FALSE(stream.ok());
  EXPECT_NE(stream.error().message.find("a sample rate of 655350 Hz is above 192000 Hz"),
            std::string::npos)
      << stream.error().message;
  auto frame = decode_audio(EncodedAudio{flac_stream(48000, {{4096}, {4096, 600000}})});
  ASSERT_FALSE(frame.ok());
  EXPECT_NE(frame.error().message.find("a frame's sample rate of 600000 Hz is above 192000 Hz"),
            std::string::npos)
      << frame.error().message;
}

TEST(DecoderTest, NamesACodecOutsideTheList) {
  // A WAV around ADPCM: the container is allowed, its codec is not.
  const std::string adpcm =
      ffmpeg_file("sine=frequency=440:duration=1", "-ac 1 -ar 16000 -c:a adpcm_ms", "wav");
  ASSERT_FALSE(adpcm.empty());
  auto pcm = decode_audio(EncodedAudio{adpcm});
  ASSERT_FALSE(pcm.ok());
  EXPECT_NE(pcm.error().message.find("codec 'adpcm_ms' is not an allowed answer codec"),
            std::string::npos)
      << pcm.error().message;
}

TEST(DecoderTest, StopsAtItsDeadline) {
  const std::string wav =
      ffmpeg_file("sine=frequency=440:duration=5", "-ac 1 -ar 16000 -c:a pcm_s16le", "wav");
  DecodeLimits limits;
  limits.deadline = std::chrono::steady_clock::now();  // already over
  auto pcm = decode_audio(EncodedAudio{wav}, limits);
  ASSERT_FALSE(pcm.ok());
  EXPECT_NE(pcm.error().message.find("took too long"), std::string::npos) << pcm.error().message;
}

// Formats that name other files (playlists, concat scripts) are refused before anything is
// opened: an answer must never make the decoder read a file of this machine. The test runs in a
// working directory that holds the file each body names, so that a decoder without the guard
// would find it: the refusal must be the format's, not a missing file's.
class DecoderNestedOpenTest : public ::testing::TestWithParam<std::pair<std::string, std::string>> {
 protected:
  void SetUp() override {
    previous_ = std::filesystem::current_path();
    std::filesystem::current_path(dir_.path());
  }
  void TearDown() override { std::filesystem::current_path(previous_); }

  TempDir dir_;
  std::filesystem::path previous_;
};

TEST_P(DecoderNestedOpenTest, RefusesAnswersThatNameOtherFiles) {
  const auto& [body_template, format] = GetParam();
  const auto secret = dir_ / "secret.wav";
  polyvox::test_support::write_file(secret,
                                    wav_file(polyvox::test_support::tone(500, 16000), 0, 16000));
  std::string body = body_template;
  for (std::size_t at; (at = body.find("PATH")) != std::string::npos;) {
    body.replace(at, 4, secret.string());
  }
  auto pcm = decode_audio(EncodedAudio{body});
  ASSERT_FALSE(pcm.ok()) << "decoded " << pcm->samples.size() << " samples from " << body;
  EXPECT_EQ(pcm.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(pcm.error().message.find("format '" + format + "' is not an allowed answer format"),
            std::string::npos)
      << pcm.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Playlists, DecoderNestedOpenTest,
    ::testing::Values(
        std::make_pair("ffconcat version 1.0\nfile 'secret.wav'\n", "concat"),
        std::make_pair("ffconcat version 1.0\nfile 'PATH'\n", "concat"),
        std::make_pair("ffconcat version 1.0\nfile 'file:PATH'\n", "concat"),
        std::make_pair("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nsecret.wav\n#EXT-X-ENDLIST\n",
                       "hls"),
        std::make_pair("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:PATH\n#EXT-X-ENDLIST\n",
                       "hls")),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(DecoderTest, ResamplesKeepingDuration) {
  PcmBuffer pcm{22050, polyvox::test_support::tone(1000, 22050)};
  auto out = resample(pcm, 44100);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->sample_rate, 44100);
  EXPECT_EQ(out->samples.size(), 44100u);
  auto same = resample(pcm, 22050);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->samples, pcm.samples);
}

}  // namespace
}  // namespace polyvox::audio
