#include "audio/audio_encoder.h"

#include "audio/ffmpeg_module.h"

// The module's entry point (ffmpeg_encoder.cpp).
extern "C" bool polyvox_open_encoder(const polyvox::audio::EncoderSettings* settings,
                                     std::unique_ptr<polyvox::audio::AudioEncoder>* out,
                                     polyvox::Error* error);

namespace polyvox::audio {

bool needs_encoder(OutputFormat format) {
  return format == OutputFormat::kFlac || format == OutputFormat::kOpus ||
         format == OutputFormat::kAac || is_mp4(format);
}

Result<std::unique_ptr<AudioEncoder>> open_encoder(const EncoderSettings& settings) {
  if (!needs_encoder(settings.output.format)) {
    return Error{ErrorKind::kInternal,
                 std::string("no encoder for ") + output_format_name(settings.output.format), ""};
  }
  std::string load_error;
  using OpenFn = decltype(&polyvox_open_encoder);
  const auto open =
      reinterpret_cast<OpenFn>(ffmpeg_module_symbol("polyvox_open_encoder", load_error));
  if (!open) return Error{ErrorKind::kInternal, "FFmpeg encoder unavailable: " + load_error, ""};
  std::unique_ptr<AudioEncoder> encoder;
  Error error;
  if (!open(&settings, &encoder, &error)) return error;
  return encoder;
}

Result<std::string> encode_to_memory(const AudioOutput& output, std::span<const int16_t> samples) {
  auto encoder = open_encoder(EncoderSettings{output, EncoderSink::kMemory, ""});
  if (!encoder) return encoder.take_error();
  if (Status s = (*encoder)->add(samples); !s) return s.error();
  if (Status s = (*encoder)->finish(); !s) return s.error();
  return (*encoder)->take();
}

}  // namespace polyvox::audio
