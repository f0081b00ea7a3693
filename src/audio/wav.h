// WAV (RIFF, PCM signed 16-bit mono) writing and parsing, for WAV output.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace polyvox::audio {

inline constexpr std::size_t kWavHeaderBytes = 44;

// A complete WAV file: `speech` followed by `pause_samples` zero samples. Float samples are
// clipped to [-1, 1] and rounded to 16 bits. Pure.
std::string wav_file(std::span<const float> speech, int64_t pause_samples, int sample_rate);

// Appends `samples` to `out` as a WAV file's data: clipped to [-1, 1], rounded to 16 bits,
// little-endian. Pure.
void append_pcm16(std::string& out, std::span<const float> samples);

// The canonical 44-byte header of a PCM s16 mono file with `data_bytes` of samples. Pure.
std::string wav_header(uint32_t data_bytes, int sample_rate);

inline constexpr std::size_t kRf64HeaderBytes = 80;

// The 80-byte header of an RF64 file (EBU Tech 3306: WAV for files over 4 GiB) holding PCM s16
// mono with `data_bytes` of samples: "RF64" and the data chunk carry the sentinel 0xFFFFFFFF and
// the real sizes are in a ds64 chunk before "fmt ". FFmpeg, SoX and the DAWs read it. Pure.
std::string rf64_header(uint64_t data_bytes, int sample_rate);

struct WavLayout {
  int sample_rate = 0;
  int channels = 0;
  int bits_per_sample = 0;
  std::size_t data_offset = 0;
  std::size_t data_bytes = 0;
};

// Finds the fmt and data chunks of a PCM WAV file; nullopt when it is not one (also when its fmt
// chunk says 0 channels, 0 bits per sample, or a sample rate of 0 or over INT32_MAX). A data
// chunk that claims more bytes than the file holds is clamped to what is there. Pure.
std::optional<WavLayout> parse_wav(std::span<const uint8_t> file);

}  // namespace polyvox::audio
