#include "worker/block_renderer.h"

#include <span>

#include "audio/decoder.h"

namespace polyvox {

Result<RenderedBlock> render_block(const BlockSpec& block, bool last, Provider& provider,
                                   Diacritizer& diacritizer, const RenderOptions& options) {
  auto voice_id = provider.resolve_voice(block.voice);
  if (!voice_id) {
    return Error{ErrorKind::kUnknownVoice,
                 "provider '" + provider.name() + "' has no voice '" + block.voice + "'", ""};
  }
  SynthesisRequest request{block.text, *voice_id};
  if (block.arabic) {
    auto diacritized = diacritizer.diacritize(block.text);
    if (!diacritized) return diacritized.take_error();
    request.text = std::move(diacritized.value());
  }

  auto encoded = provider.synthesize(request);
  if (!encoded) return encoded.take_error();
  auto decoded = audio::decode_audio(*encoded);
  if (!decoded) return decoded.take_error();
  audio::PcmBuffer pcm = std::move(decoded.value());

  const audio::SpeechBounds bounds = audio::find_speech(pcm.samples, pcm.sample_rate, options.trim);
  if (bounds.silent) {
    return Error{ErrorKind::kSynthesisFailed,
                 "provider '" + provider.name() + "' returned silent audio", ""};
  }
  pcm.samples.erase(pcm.samples.begin() + static_cast<std::ptrdiff_t>(bounds.end),
                    pcm.samples.end());
  pcm.samples.erase(pcm.samples.begin(),
                    pcm.samples.begin() + static_cast<std::ptrdiff_t>(bounds.begin));

  RenderedBlock rendered;
  rendered.provider = provider.name();
  rendered.voice_id = *voice_id;
  auto loudness = audio::normalize_loudness(pcm, options.loudness);
  if (!loudness) return loudness.take_error();
  rendered.loudness = *loudness;

  const int source_rate = pcm.sample_rate;
  auto resampled = audio::resample(std::move(pcm), options.segment.sample_rate);
  if (!resampled) return resampled.take_error();
  const auto quiet_tail = static_cast<int64_t>(
      static_cast<double>(bounds.quiet_tail) * options.segment.sample_rate / source_rate);
  const int64_t pause = audio::ms_to_samples(block.wait_after_ms, options.segment.sample_rate);
  auto segment = audio::encode_segment(resampled->samples, quiet_tail, pause, last,
                                       options.segment);
  if (!segment) return segment.take_error();
  rendered.segment = std::move(segment.value());
  return rendered;
}

}  // namespace polyvox
