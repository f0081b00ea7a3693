#include "audio/audio_module.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace polyvox::audio {

void* load_module_symbol(const char* module, const char* symbol, std::string& error) {
  std::vector<std::filesystem::path> candidates;
  if (const char* dir = std::getenv("POLYVOX_LIBDIR")) candidates.emplace_back(dir);
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path());
  candidates.emplace_back(POLYVOX_MODULE_DIR);
  error.clear();
  for (const auto& dir : candidates) {
    const auto path = dir / module;
    if (!std::filesystem::exists(path, ec)) continue;
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      error = ::dlerror();
      continue;
    }
    if (void* function = ::dlsym(handle, symbol)) return function;
    error = std::string(symbol) + " missing in " + path.string();
  }
  if (error.empty()) error = std::string(module) + " not found";
  return nullptr;
}

}  // namespace polyvox::audio
