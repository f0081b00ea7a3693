// The streamed block pipeline (speech_segment.h and the stages it streams: speech_samples.h,
// loudness.h's plan and processor, resampler.h, segment.h's SegmentEncoder) makes, sample for
// sample and byte for byte, what the same stages make of the speech held whole.
#include "audio/speech_segment.h"

#include <gtest/gtest.h>

#include <random>

#include "audio/decoder.h"
#include "audio/resampler.h"
#include "support/audio_fixtures.h"

namespace polyvox::audio {
namespace {

using polyvox::test_support::concat;
using polyvox::test_support::silence;
using polyvox::test_support::tone;

// Speech-like 16-bit PCM at `rate`: silence, a tone with loud clicks (so that the loudness
// needs its peak limiter), noise, silence.
EncodedAudio raw_speech(int rate, double ms = 2500) {
  std::mt19937 rng(11);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  std::vector<float> voiced = tone(ms, rate, 220.0, 0.1);
  for (std::size_t i = 500; i < voiced.size(); i += 3000) voiced[i] = 0.95f;
  std::vector<float> hiss(static_cast<std::size_t>(rate / 2));
  for (float& s : hiss) s = noise(rng);
  const std::vector<float> samples =
      concat(concat(concat(silence(300, rate), voiced), hiss), silence(200, rate));
  EncodedAudio audio;
  audio.encoding = AudioEncoding::kPcmS16le;
  audio.sample_rate = rate;
  for (float s : samples) {
    const auto v = static_cast<uint16_t>(static_cast<int16_t>(std::lrint(s * 32767.0f)));
    audio.bytes.push_back(static_cast<char>(v & 0xFF));
    audio.bytes.push_back(static_cast<char>(v >> 8));
  }
  return audio;
}

// The pipeline with the speech held whole: decode, trim, normalize, resample, encode.
SpeechSegment whole(const EncodedAudio& audio, int64_t pause, bool last,
                    const SegmentOptions& options) {
  auto pcm = decode_audio(audio);
  EXPECT_TRUE(pcm.ok());
  const SpeechBounds bounds = find_speech(pcm->samples, pcm->sample_rate);
  pcm->samples.erase(pcm->samples.begin() + static_cast<std::ptrdiff_t>(bounds.end),
                     pcm->samples.end());
  pcm->samples.erase(pcm->samples.begin(),
                     pcm->samples.begin() + static_cast<std::ptrdiff_t>(bounds.begin));
  auto loudness = normalize_loudness(*pcm);
  EXPECT_TRUE(loudness.ok());
  const int source_rate = pcm->sample_rate;
  auto resampled = resample(std::move(pcm.value()), options.sample_rate);
  EXPECT_TRUE(resampled.ok());
  const auto quiet_tail = static_cast<int64_t>(static_cast<double>(bounds.quiet_tail) *
                                               options.sample_rate / source_rate);
  auto segment = encode_segment(resampled->samples, quiet_tail, pause, last, options);
  EXPECT_TRUE(segment.ok());
  return {std::move(segment.value()), *loudness};
}

void expect_same_as_whole(int source_rate, const SegmentOptions& options, int64_t pause,
                          bool last) {
  EncodedAudio audio = raw_speech(source_rate);
  const SpeechSegment expected = whole(audio, pause, last, options);
  auto speech = decode_speech(audio);
  ASSERT_TRUE(speech.ok()) << speech.error().to_string();
  ASSERT_NE(speech->pcm16(), nullptr);  // kept as it came
  EXPECT_TRUE(audio.bytes.empty());     // moved, not copied
  const SpeechBounds bounds = find_speech(*speech);
  auto streamed = encode_speech_segment(*speech, bounds, pause, last, LoudnessTarget{}, options);
  ASSERT_TRUE(streamed.ok()) << streamed.error().to_string();
  EXPECT_TRUE(expected.loudness.limited);  // the limiter is part of what is compared
  EXPECT_EQ(streamed->loudness.gain_db, expected.loudness.gain_db);
  EXPECT_EQ(streamed->loudness.output.integrated_lufs, expected.loudness.output.integrated_lufs);
  EXPECT_EQ(streamed->loudness.output.true_peak_dbtp, expected.loudness.output.true_peak_dbtp);
  EXPECT_EQ(streamed->segment.speech_samples, expected.segment.speech_samples);
  EXPECT_EQ(streamed->segment.pause_samples, expected.segment.pause_samples);
  EXPECT_TRUE(streamed->segment.bytes == expected.segment.bytes);
}

TEST(SpeechSegmentTest, Mp3SegmentIsTheWholePipelinesByteForByte) {
  expect_same_as_whole(22050, SegmentOptions{}, 4410, false);
}

TEST(SpeechSegmentTest, LastMp3SegmentAtAnotherRate) {
  SegmentOptions options;
  options.sample_rate = 24000;
  expect_same_as_whole(16000, options, 0, true);
}

TEST(SpeechSegmentTest, WavSegmentWithoutResampling) {
  SegmentOptions options;
  options.format = OutputFormat::kWav;
  options.sample_rate = 22050;
  expect_same_as_whole(22050, options, 2205, false);
}

TEST(SpeechSegmentTest, SpeechSamplesReadAs16BitDecodes) {
  EncodedAudio audio = raw_speech(16000, 300);
  auto pcm = decode_audio(audio);
  ASSERT_TRUE(pcm.ok());
  auto speech = decode_speech(audio);
  ASSERT_TRUE(speech.ok());
  ASSERT_EQ(speech->size(), pcm->samples.size());
  std::vector<float> streamed;
  speech->stream(0, speech->size(), [&](std::span<const float> chunk) {
    streamed.insert(streamed.end(), chunk.begin(), chunk.end());
  });
  EXPECT_EQ(streamed, pcm->samples);
  EXPECT_EQ(std::move(speech.value()).take_pcm().samples, pcm->samples);
}

TEST(SpeechSegmentTest, Decode16BitKeepsItsChecks) {
  EncodedAudio odd;
  odd.encoding = AudioEncoding::kPcmS16le;
  odd.sample_rate = 16000;
  odd.bytes = "abc";
  auto speech = decode_speech(odd);
  ASSERT_FALSE(speech.ok());
  EXPECT_NE(speech.error().message.find("odd number of bytes"), std::string::npos);
  EXPECT_EQ(odd.bytes, "abc");  // a refused answer is left as it is
}

TEST(SpeechSegmentTest, ResamplerInOddChunksIsResample) {
  const std::vector<float> input = concat(tone(700, 22050, 300.0, 0.4), tone(300, 22050, 1200.0));
  auto whole_output = resample(PcmBuffer{22050, input}, 44100);
  ASSERT_TRUE(whole_output.ok());
  auto resampler = Resampler::create(22050, 44100, input.size());
  ASSERT_TRUE(resampler.ok());
  std::vector<float> output;
  const Resampler::Sink append = [&](std::span<const float> chunk) {
    output.insert(output.end(), chunk.begin(), chunk.end());
    return Status::success();
  };
  for (std::size_t at = 0; at < input.size(); at += 777) {
    const std::size_t n = std::min<std::size_t>(777, input.size() - at);
    ASSERT_TRUE(resampler->add(std::span<const float>(input).subspan(at, n), append).ok());
  }
  ASSERT_TRUE(resampler->finish(append).ok());
  EXPECT_EQ(output.size(), Resampler::output_size(input.size(), 22050, 44100));
  EXPECT_EQ(output, whole_output->samples);
}

TEST(SpeechSegmentTest, LoudnessProcessorInOddChunksIsNormalizeLoudness) {
  PcmBuffer pcm{22050, tone(1500, 22050, 200.0, 0.05)};
  for (std::size_t i = 100; i < pcm.samples.size(); i += 2500) pcm.samples[i] = 0.9f;
  const std::vector<float> input = pcm.samples;
  auto report = normalize_loudness(pcm);
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->limited);
  auto plan = plan_loudness([&](const SampleSink& sink) { sink(input); }, 22050);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->report.gain_db, report->gain_db);
  LoudnessProcessor processor(plan->steps, 22050);
  std::vector<float> output;
  std::vector<float> ready;
  for (std::size_t at = 0; at < input.size(); at += 101) {
    processor.process(
        std::span<const float>(input).subspan(at, std::min<std::size_t>(101, input.size() - at)),
        ready);
    output.insert(output.end(), ready.begin(), ready.end());
  }
  processor.finish(ready);
  output.insert(output.end(), ready.begin(), ready.end());
  EXPECT_EQ(output, pcm.samples);
}

// What validation accepts for MP3 is what the segment encoder can make: at low bitrates LAME's
// frame cannot hold the gapless Info tag, and every block of such a job failed ("no Info tag").
TEST(SpeechSegmentTest, Mp3SettingsAcceptedAreExactlyThoseTheEncoderMakes) {
  for (int rate : {22050, 24000, 32000, 44100, 48000}) {
    for (int kbps : {8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 192, 256, 320}) {
      if (!check_output_settings(OutputFormat::kMp3, rate, 128)) continue;
      const Status accepted = check_output_settings(OutputFormat::kMp3, rate, kbps);
      const bool table_value =
          accepted || accepted.error().message.find("must be an MP3") == std::string::npos;
      if (!table_value) continue;  // not a bitrate of this MPEG version at all
      SegmentOptions options;
      options.sample_rate = rate;
      options.mp3_bitrate_kbps = kbps;
      const auto speech = test_support::tone(100, rate, 300.0, 0.3);
      auto encoded = encode_segment(speech, 0, 0, true, options);
      EXPECT_EQ(accepted.ok(), encoded.ok())
          << rate << " Hz, " << kbps
          << " kbps: " << (accepted ? std::string("accepted") : accepted.error().message) << " / "
          << (encoded ? std::string("encoded") : encoded.error().message);
    }
  }
  const Status low = check_output_settings(OutputFormat::kMp3, 44100, 48);
  ASSERT_FALSE(low);
  EXPECT_EQ(low.error().message,
            "must be at least 56 for MP3 at 44100 Hz (a smaller frame cannot hold the gapless Info "
            "tag), got 48");
}

TEST(SpeechSegmentTest, SegmentEncoderInChunksIsEncodeSegment) {
  const std::vector<float> speech = tone(1300, 44100, 440.0, 0.3);
  for (const bool last : {false, true}) {
    auto expected = encode_segment(speech, 0, 2000, last, SegmentOptions{});
    ASSERT_TRUE(expected.ok());
    auto encoder =
        SegmentEncoder::start(static_cast<int64_t>(speech.size()), 0, 2000, last, SegmentOptions{});
    ASSERT_TRUE(encoder.ok());
    for (std::size_t at = 0; at < speech.size(); at += 5000) {
      const std::size_t n = std::min<std::size_t>(5000, speech.size() - at);
      ASSERT_TRUE(encoder->add(std::span<const float>(speech).subspan(at, n)).ok());
    }
    auto segment = encoder->finish();
    ASSERT_TRUE(segment.ok());
    EXPECT_TRUE(segment->bytes == expected->bytes) << "last " << last;
    EXPECT_EQ(segment->speech_samples, expected->speech_samples);
  }
}

}  // namespace
}  // namespace polyvox::audio
