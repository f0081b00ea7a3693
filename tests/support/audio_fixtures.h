// Signals and files for audio tests.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace polyvox::test_support {

// A sine of `ms` milliseconds at `amplitude` (linear) and `hz`.
inline std::vector<float> tone(double ms, int rate, double hz = 440.0, double amplitude = 0.5) {
  const auto n = static_cast<std::size_t>(ms * rate / 1000.0);
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<float>(amplitude * std::sin(2.0 * M_PI * hz * i / rate));
  }
  return out;
}

inline std::vector<float> silence(double ms, int rate) {
  return std::vector<float>(static_cast<std::size_t>(ms * rate / 1000.0), 0.0f);
}

inline std::vector<float> concat(std::vector<float> a, const std::vector<float>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "polyvox-test.XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The whole content of a stdio file.
inline std::string slurp(std::FILE* f) {
  std::fflush(f);
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::string out(static_cast<std::size_t>(size), '\0');
  std::fseek(f, 0, SEEK_SET);
  const std::size_t got = std::fread(out.data(), 1, out.size(), f);
  out.resize(got);
  return out;
}

// Runs a shell command, returning its exit status.
inline int run(const std::string& command) { return std::system(command.c_str()); }

// The bytes of a file the real ffmpeg CLI makes from the lavfi source `lavfi_source` with
// `codec_options`, named `made.<extension>` (the extension picks the container); "" if ffmpeg
// failed.
inline std::string ffmpeg_file(const std::string& lavfi_source, const std::string& codec_options,
                               const std::string& extension) {
  TempDir dir;
  const auto path = dir / ("made." + extension);
  const std::string cmd = "ffmpeg -v error -y -f lavfi -i " + lavfi_source + " " + codec_options +
                          " '" + path.string() + "'";
  if (run(cmd) != 0) return "";
  return read_file(path);
}

}  // namespace polyvox::test_support
