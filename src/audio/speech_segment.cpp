#include "audio/speech_segment.h"

#include <utility>
#include <vector>

#include "audio/resampler.h"

namespace polyvox::audio {

Result<SpeechSegment> encode_speech_segment(const SpeechSamples& speech, const SpeechBounds& bounds,
                                            int64_t pause_samples, bool last,
                                            const LoudnessTarget& loudness,
                                            const SegmentOptions& options) {
  const int source_rate = speech.sample_rate();
  const int rate = options.sample_rate;
  const SampleStream stream = [&](const SampleSink& sink) {
    speech.stream(bounds.begin, bounds.end, sink);
  };
  auto plan = plan_loudness(stream, source_rate, loudness);
  if (!plan) return plan.take_error();

  const std::size_t length = bounds.end - bounds.begin;
  auto resampler = Resampler::create(source_rate, rate, length);
  if (!resampler) return resampler.take_error();
  const auto quiet_tail =
      static_cast<int64_t>(static_cast<double>(bounds.quiet_tail) * rate / source_rate);
  auto encoder =
      SegmentEncoder::start(static_cast<int64_t>(Resampler::output_size(length, source_rate, rate)),
                            quiet_tail, pause_samples, last, options);
  if (!encoder) return encoder.take_error();

  LoudnessProcessor processor(plan->steps, source_rate);
  std::vector<float> normalized;
  const Resampler::Sink to_encoder = [&encoder](std::span<const float> chunk) {
    return encoder->add(chunk);
  };
  Status status;
  stream([&](std::span<const float> chunk) {
    if (!status) return;
    processor.process(chunk, normalized);
    status = resampler->add(normalized, to_encoder);
  });
  if (!status) return status.error();
  processor.finish(normalized);
  if (Status s = resampler->add(normalized, to_encoder); !s) return s.error();
  if (Status s = resampler->finish(to_encoder); !s) return s.error();
  auto segment = encoder->finish();
  if (!segment) return segment.take_error();
  return SpeechSegment{std::move(segment.value()), plan->report};
}

}  // namespace polyvox::audio
