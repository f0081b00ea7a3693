// The WAV parser (audio/wav.h) on arbitrary bytes: a layout it returns lies inside the file;
// the files wav_file() writes parse back to what was written.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "audio/wav.h"
#include "fuzz_check.h"

using polyvox::fuzz::check;
namespace audio = polyvox::audio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const auto layout = audio::parse_wav(std::span<const uint8_t>(data, size));
  if (layout) {
    check(layout->data_offset <= size, "the data chunk starts inside the file");
    check(layout->data_bytes <= size - layout->data_offset, "the data chunk ends inside the file");
    check(layout->sample_rate > 0, "a parsed WAV has a sample rate");
    check(layout->channels > 0, "a parsed WAV has channels");
    check(layout->bits_per_sample > 0, "a parsed WAV has a sample size");
  }
  // The input as samples, written and parsed back.
  std::vector<float> samples(size / 4);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const int32_t v = static_cast<int32_t>(data[4 * i] | (data[4 * i + 1] << 8) |
                                           (data[4 * i + 2] << 16) | (data[4 * i + 3] << 24));
    samples[i] = static_cast<float>(v) / 1e9f;
  }
  const int rate = size > 0 ? 8000 + data[0] * 100 : 44100;
  const std::string file = audio::wav_file(samples, static_cast<int64_t>(size % 64), rate);
  const auto written =
      audio::parse_wav({reinterpret_cast<const uint8_t*>(file.data()), file.size()});
  check(written.has_value(), "a written WAV parses");
  check(written->sample_rate == rate && written->channels == 1 && written->bits_per_sample == 16,
        "a written WAV reads back its format");
  check(written->data_bytes == 2 * (samples.size() + size % 64),
        "a written WAV reads back its length");
  return 0;
}
