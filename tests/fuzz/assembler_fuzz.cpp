// The assembler (audio/assembler.h) on arbitrary segment bytes. The first byte chooses the
// format (even: MP3, odd: WAV); the rest is cut into segments at each kSeparator. Whatever the
// segments hold, assembly fails cleanly or yields a file of the size, rate and duration it
// reports.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audio/assembler.h"
#include "audio/wav.h"
#include "fuzz_check.h"

using polyvox::fuzz::check;
namespace audio = polyvox::audio;

namespace {

constexpr std::string_view kSeparator = "|SEG|";
constexpr std::size_t kMaxSegments = 64;

std::vector<std::string> split_segments(std::string_view rest) {
  std::vector<std::string> segments;
  while (segments.size() + 1 < kMaxSegments) {
    const auto at = rest.find(kSeparator);
    if (at == std::string_view::npos) break;
    segments.emplace_back(rest.substr(0, at));
    rest.remove_prefix(at + kSeparator.size());
  }
  segments.emplace_back(rest);
  return segments;
}

// The output file, reused (emptied) by every input.
std::FILE* empty_output() {
  static std::FILE* out = std::tmpfile();
  check(out != nullptr, "a temporary file can be made");
  std::fflush(out);
  check(::ftruncate(::fileno(out), 0) == 0, "the output can be emptied");
  std::rewind(out);
  return out;
}

std::string contents(std::FILE* f) {
  std::string bytes;
  std::rewind(f);
  char buffer[1 << 14];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) bytes.append(buffer, n);
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto format = data[0] % 2 == 0 ? polyvox::OutputFormat::kMp3 : polyvox::OutputFormat::kWav;
  const auto segments =
      split_segments(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  std::size_t fetched = 0;
  std::FILE* out = empty_output();
  const auto result = audio::assemble_segments(
      format, segments.size(),
      [&](std::size_t index) -> polyvox::Result<std::string> {
        check(index == fetched++, "segments are fetched once each, in order");
        return segments[index];
      },
      out);
  if (!result.ok()) return 0;
  check(fetched == segments.size(), "a finished assembly read every segment");
  check(result->sample_rate > 0, "an assembled file has a sample rate");
  check(result->samples >= 0, "an assembled file has a duration");
  const std::string file = contents(out);
  check(file.size() == result->bytes, "the reported size is the file's");
  if (format == polyvox::OutputFormat::kWav) {
    const auto layout =
        audio::parse_wav({reinterpret_cast<const uint8_t*>(file.data()), file.size()});
    check(layout.has_value(), "an assembled WAV parses");
    check(layout->data_bytes == 2 * static_cast<uint64_t>(result->samples),
          "an assembled WAV holds the samples it reports");
  }
  return 0;
}
