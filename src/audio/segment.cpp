#include "audio/segment.h"

#include <lame/lame.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "audio/mp3_frame.h"
#include "audio/wav.h"

namespace polyvox::audio {
namespace {

struct LameCloser {
  void operator()(lame_global_flags* g) const { lame_close(g); }
};

Error encoder_error(const std::string& what) {
  return Error{ErrorKind::kInternal, "MP3 encoder: " + what, ""};
}

// Counts the audio frames of an MP3 stream that starts with a tag frame.
int64_t count_audio_frames(std::span<const uint8_t> bytes) {
  int64_t frames = 0;
  std::size_t pos = 0;
  while (pos + 4 <= bytes.size()) {
    auto header = parse_mp3_frame_header(bytes.subspan(pos));
    if (!header) break;
    pos += header->frame_bytes;
    ++frames;
  }
  return frames - 1;  // the Info tag frame
}

Result<EncodedSegment> encode_mp3(std::span<const float> speech, const Mp3SegmentPlan& plan,
                                  const SegmentOptions& options) {
  std::unique_ptr<lame_global_flags, LameCloser> lame(lame_init());
  if (!lame) return encoder_error("cannot initialize");
  lame_set_in_samplerate(lame.get(), options.sample_rate);
  lame_set_out_samplerate(lame.get(), options.sample_rate);
  lame_set_num_channels(lame.get(), 1);
  lame_set_mode(lame.get(), MONO);
  lame_set_VBR(lame.get(), vbr_off);
  lame_set_brate(lame.get(), options.mp3_bitrate_kbps);
  lame_set_quality(lame.get(), options.mp3_quality);
  lame_set_bWriteVbrTag(lame.get(), 1);  // an Info tag with encoder delay and padding
  if (lame_init_params(lame.get()) < 0) return encoder_error("unsupported parameters");
  if (lame_get_encoder_delay(lame.get()) != kLameEncoderDelay) {
    return encoder_error("unexpected encoder delay");
  }

  std::string out;
  std::vector<unsigned char> buffer;
  constexpr int64_t kChunk = 1 << 15;
  const std::vector<float> silence(kChunk, 0.0f);
  int64_t fed = 0;
  while (fed < plan.input_samples) {
    const int64_t n = std::min(kChunk, plan.input_samples - fed);
    const int64_t from_speech =
        std::clamp<int64_t>(static_cast<int64_t>(speech.size()) - fed, 0, n);
    buffer.resize(static_cast<std::size_t>(1.25 * n + 7200));
    int written = 0;
    if (from_speech > 0) {
      written = lame_encode_buffer_ieee_float(lame.get(), speech.data() + fed, nullptr,
                                              static_cast<int>(from_speech), buffer.data(),
                                              static_cast<int>(buffer.size()));
      if (written < 0) return encoder_error("encoding failed");
      out.append(reinterpret_cast<const char*>(buffer.data()), written);
    }
    if (n > from_speech) {
      written = lame_encode_buffer_ieee_float(lame.get(), silence.data(), nullptr,
                                              static_cast<int>(n - from_speech), buffer.data(),
                                              static_cast<int>(buffer.size()));
      if (written < 0) return encoder_error("encoding failed");
      out.append(reinterpret_cast<const char*>(buffer.data()), written);
    }
    fed += n;
  }
  buffer.resize(7200);
  const int flushed = lame_encode_flush(lame.get(), buffer.data(), static_cast<int>(buffer.size()));
  if (flushed < 0) return encoder_error("flush failed");
  out.append(reinterpret_cast<const char*>(buffer.data()), flushed);

  // LAME wrote a placeholder first frame; replace it with the finished Info tag.
  unsigned char tag[2880];
  const std::size_t tag_size = lame_get_lametag_frame(lame.get(), tag, sizeof tag);
  if (tag_size == 0 || tag_size > out.size()) return encoder_error("no Info tag");
  std::memcpy(out.data(), tag, tag_size);

  const auto bytes =
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  if (plan.frames > 0 && count_audio_frames(bytes) != plan.frames) {
    return encoder_error("frame count differs from the gapless plan");
  }
  return EncodedSegment{std::move(out), plan.speech_samples, plan.pause_samples};
}

}  // namespace

Mp3SegmentPlan plan_mp3_segment(int64_t speech, int64_t quiet_tail, int64_t pause, bool last,
                                int64_t frame_samples) {
  Mp3SegmentPlan plan;
  plan.pause_samples = pause;
  if (last) {
    plan.speech_samples = speech;
    plan.input_samples = speech + pause;
    return plan;
  }
  // Extend the speech with silence until speech + pause fills whole frames, at least two, and
  // the kSegmentGap samples the encoder's priming and padding take can be cut from silence.
  int64_t extension = (kMp3FrameSamples - (speech + pause) % kMp3FrameSamples) % kMp3FrameSamples;
  while (speech + extension + pause < 2 * kMp3FrameSamples ||
         pause + extension + quiet_tail < kSegmentGap) {
    extension += kMp3FrameSamples;
  }
  plan.speech_samples = speech + extension;
  const int64_t timeline = plan.speech_samples + pause;
  plan.input_samples = timeline - kSegmentGap;
  plan.frames = timeline / frame_samples;
  return plan;
}

Result<EncodedSegment> encode_segment(std::span<const float> speech, int64_t quiet_tail,
                                      int64_t pause_samples, bool last,
                                      const SegmentOptions& options) {
  const auto speech_samples = static_cast<int64_t>(speech.size());
  if (!has_mp3_segments(options.format)) {  // lossless until the final encode
    return EncodedSegment{wav_file(speech, pause_samples, options.sample_rate), speech_samples,
                          pause_samples};
  }
  const Mp3SegmentPlan plan = plan_mp3_segment(speech_samples, quiet_tail, pause_samples, last,
                                               mp3_frame_samples(options.sample_rate));
  return encode_mp3(speech, plan, options);
}

}  // namespace polyvox::audio
