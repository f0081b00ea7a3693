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

struct SegmentEncoder::State {
  SegmentOptions options;
  bool mp3 = false;
  Mp3SegmentPlan plan;         // mp3 only
  int64_t speech_samples = 0;  // announced
  int64_t pause_samples = 0;
  int64_t added = 0;  // speech samples given so far
  int64_t fed = 0;    // mp3: samples fed to the encoder so far
  std::unique_ptr<lame_global_flags, LameCloser> lame;
  std::vector<unsigned char> buffer;  // one call's MP3 output
  std::string out;

  // Feeds `samples` to LAME in pieces that keep `buffer` small.
  Status encode(std::span<const float> samples) {
    constexpr std::size_t kChunk = 1 << 15;
    for (std::size_t at = 0; at < samples.size(); at += kChunk) {
      const std::size_t n = std::min(kChunk, samples.size() - at);
      buffer.resize(static_cast<std::size_t>(1.25 * static_cast<double>(n) + 7200));
      const int written = lame_encode_buffer_ieee_float(lame.get(), samples.data() + at, nullptr,
                                                        static_cast<int>(n), buffer.data(),
                                                        static_cast<int>(buffer.size()));
      if (written < 0) return encoder_error("encoding failed");
      out.append(reinterpret_cast<const char*>(buffer.data()), written);
      fed += static_cast<int64_t>(n);
    }
    return Status::success();
  }
};

SegmentEncoder::SegmentEncoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
SegmentEncoder::SegmentEncoder(SegmentEncoder&&) noexcept = default;
SegmentEncoder& SegmentEncoder::operator=(SegmentEncoder&&) noexcept = default;
SegmentEncoder::~SegmentEncoder() = default;

Result<SegmentEncoder> SegmentEncoder::start(int64_t speech_samples, int64_t quiet_tail,
                                             int64_t pause_samples, bool last,
                                             const SegmentOptions& options) {
  auto state = std::make_unique<State>();
  state->options = options;
  state->speech_samples = speech_samples;
  state->pause_samples = pause_samples;
  if (!has_mp3_segments(options.format)) {  // lossless until the final encode
    const auto total = static_cast<std::size_t>(speech_samples + pause_samples);
    state->out = wav_header(static_cast<uint32_t>(total * 2), options.sample_rate);
    state->out.reserve(kWavHeaderBytes + total * 2);
    return SegmentEncoder(std::move(state));
  }
  state->mp3 = true;
  state->plan = plan_mp3_segment(speech_samples, quiet_tail, pause_samples, last,
                                 mp3_frame_samples(options.sample_rate));
  state->lame.reset(lame_init());
  lame_global_flags* lame = state->lame.get();
  if (!lame) return encoder_error("cannot initialize");
  lame_set_in_samplerate(lame, options.sample_rate);
  lame_set_out_samplerate(lame, options.sample_rate);
  lame_set_num_channels(lame, 1);
  lame_set_mode(lame, MONO);
  lame_set_VBR(lame, vbr_off);
  lame_set_brate(lame, options.mp3_bitrate_kbps);
  lame_set_quality(lame, options.mp3_quality);
  lame_set_bWriteVbrTag(lame, 1);  // an Info tag with encoder delay and padding
  if (lame_init_params(lame) < 0) return encoder_error("unsupported parameters");
  if (lame_get_encoder_delay(lame) != kLameEncoderDelay) {
    return encoder_error("unexpected encoder delay");
  }
  // About the segment's size: its samples and two frames of priming and padding at the bit
  // rate, and the Info tag.
  const double seconds =
      static_cast<double>(state->plan.input_samples + 2 * kMp3FrameSamples) / options.sample_rate;
  state->out.reserve(static_cast<std::size_t>(seconds * options.mp3_bitrate_kbps * 125.0) + 4096);
  return SegmentEncoder(std::move(state));
}

Status SegmentEncoder::add(std::span<const float> speech) {
  State& s = *state_;
  s.added += static_cast<int64_t>(speech.size());
  if (!s.mp3) {
    append_pcm16(s.out, speech);
    return Status::success();
  }
  // What does not fit the plan's input is the speech's quiet tail, cut (plan_mp3_segment).
  const auto room = static_cast<std::size_t>(std::max<int64_t>(0, s.plan.input_samples - s.fed));
  return s.encode(speech.first(std::min(room, speech.size())));
}

Result<EncodedSegment> SegmentEncoder::finish() {
  State& s = *state_;
  if (!s.mp3) {
    s.out.resize(kWavHeaderBytes + static_cast<std::size_t>(s.added + s.pause_samples) * 2, '\0');
    return EncodedSegment{std::move(s.out), s.added, s.pause_samples};
  }
  const std::vector<float> silence(1 << 15, 0.0f);
  while (s.fed < s.plan.input_samples) {
    const auto n = static_cast<std::size_t>(
        std::min<int64_t>(static_cast<int64_t>(silence.size()), s.plan.input_samples - s.fed));
    if (Status st = s.encode(std::span<const float>(silence).first(n)); !st) return st.error();
  }
  s.buffer.resize(7200);
  const int flushed =
      lame_encode_flush(s.lame.get(), s.buffer.data(), static_cast<int>(s.buffer.size()));
  if (flushed < 0) return encoder_error("flush failed");
  s.out.append(reinterpret_cast<const char*>(s.buffer.data()), flushed);

  // LAME wrote a placeholder first frame; replace it with the finished Info tag.
  unsigned char tag[2880];
  const std::size_t tag_size = lame_get_lametag_frame(s.lame.get(), tag, sizeof tag);
  if (tag_size == 0 || tag_size > s.out.size()) return encoder_error("no Info tag");
  std::memcpy(s.out.data(), tag, tag_size);

  const auto bytes =
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.out.data()), s.out.size());
  if (s.plan.frames > 0 && count_audio_frames(bytes) != s.plan.frames) {
    return encoder_error("frame count differs from the gapless plan");
  }
  return EncodedSegment{std::move(s.out), s.plan.speech_samples, s.plan.pause_samples};
}

Result<EncodedSegment> encode_segment(std::span<const float> speech, int64_t quiet_tail,
                                      int64_t pause_samples, bool last,
                                      const SegmentOptions& options) {
  auto encoder = SegmentEncoder::start(static_cast<int64_t>(speech.size()), quiet_tail,
                                       pause_samples, last, options);
  if (!encoder) return encoder.take_error();
  if (Status s = encoder->add(speech); !s) return s.error();
  return encoder->finish();
}

}  // namespace polyvox::audio
