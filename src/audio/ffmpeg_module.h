// The lazily loaded FFmpeg module (libpolyvox_ffmpeg.so: container_decoder.cpp and
// ffmpeg_encoder.cpp): processes that never decode nor encode with FFmpeg never map its large
// dependency tree.
#pragma once

#include <string>

namespace polyvox::audio {

inline constexpr const char* kFfmpegModule = "libpolyvox_ffmpeg.so";

// The address of `symbol` in the module, loaded once on first use (looked for in POLYVOX_LIBDIR,
// beside the running binary, then in the build directory this code was compiled for); nullptr
// with `error` set when the module or the symbol cannot be found. Thread-safe.
void* ffmpeg_module_symbol(const char* symbol, std::string& error);

}  // namespace polyvox::audio
