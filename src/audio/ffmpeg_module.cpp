#include "audio/ffmpeg_module.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

namespace polyvox::audio {
namespace {

struct Module {
  void* handle = nullptr;
  std::string error;
};

const Module& module() {
  static std::once_flag once;
  static Module loaded;
  std::call_once(once, [] {
    std::vector<std::filesystem::path> candidates;
    if (const char* dir = std::getenv("POLYVOX_LIBDIR")) candidates.emplace_back(dir);
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) candidates.push_back(exe.parent_path());
    candidates.emplace_back(POLYVOX_MODULE_DIR);
    for (const auto& dir : candidates) {
      const auto path = dir / kFfmpegModule;
      if (!std::filesystem::exists(path, ec)) continue;
      loaded.handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // never closed
      if (loaded.handle) return;
      loaded.error = ::dlerror();
    }
    if (loaded.error.empty()) loaded.error = std::string(kFfmpegModule) + " not found";
  });
  return loaded;
}

}  // namespace

void* ffmpeg_module_symbol(const char* symbol, std::string& error) {
  const Module& m = module();
  if (!m.handle) {
    error = m.error;
    return nullptr;
  }
  void* address = ::dlsym(m.handle, symbol);
  if (!address) error = std::string(symbol) + " missing in " + kFfmpegModule;
  return address;
}

}  // namespace polyvox::audio
