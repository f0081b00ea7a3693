#include "audio/ffmpeg_module.h"

#include "audio/audio_module.h"

namespace polyvox::audio {

void* ffmpeg_module_symbol(const char* symbol, std::string& error) {
  return load_module_symbol(kFfmpegModule, symbol, error);
}

}  // namespace polyvox::audio
