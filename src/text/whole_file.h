// Reads the diacritizer's files (weights, lexicon) whole, in one read call: they are megabytes,
// and a character-by-character stream copy costs tens of milliseconds of start-up.
#pragma once

#include <fstream>
#include <optional>
#include <string>

namespace polyvox {

// The bytes of `path`; nullopt when it cannot be opened or read.
inline std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  std::string bytes(size > 0 ? static_cast<std::size_t>(size) : 0, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) return std::nullopt;
  return bytes;
}

}  // namespace polyvox
