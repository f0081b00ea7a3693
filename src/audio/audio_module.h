// Where the lazily loaded audio modules (FFmpeg decoding, libavfilter time stretch) are found:
// processes that never need them never map their libraries.
#pragma once

#include <mutex>
#include <string>

namespace polyvox::audio {

// Opens `module` (a file name such as "libpolyvox_ffmpeg.so") from POLYVOX_LIBDIR, beside the
// running binary, then the build directory this code was compiled for, and returns its
// `symbol`; nullptr with `error` set when no candidate has it. The module stays loaded.
// Thread-safe; callers load once (ModuleFunction) and keep the pointer.
void* load_module_symbol(const char* module, const char* symbol, std::string& error);

// A function of a module, loaded by the first get() and kept, with the error of that one
// attempt. Meant to be a function-local static. Thread-safe.
template <typename Function>
class ModuleFunction {
 public:
  ModuleFunction(const char* module, const char* symbol) : module_(module), symbol_(symbol) {}

  // The function, or null with `error` saying why it could not be loaded.
  Function get(std::string& error) {
    std::call_once(once_, [this] {
      function_ = reinterpret_cast<Function>(load_module_symbol(module_, symbol_, error_));
    });
    error = error_;
    return function_;
  }

 private:
  const char* module_;
  const char* symbol_;
  std::once_flag once_;
  Function function_ = nullptr;
  std::string error_;
};

}  // namespace polyvox::audio
