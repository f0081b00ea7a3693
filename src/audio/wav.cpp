#include "audio/wav.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace polyvox::audio {
namespace {

void put_le(std::string& out, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint32_t get_le(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void put_le64(std::string& out, uint64_t v) {
  put_le(out, static_cast<uint32_t>(v & 0xFFFFFFFF), 4);
  put_le(out, static_cast<uint32_t>(v >> 32), 4);
}

// The fmt chunk of PCM s16 mono at `sample_rate`.
void put_fmt_chunk(std::string& h, int sample_rate) {
  h += "fmt ";
  put_le(h, 16, 4);  // fmt chunk size
  put_le(h, 1, 2);   // PCM
  put_le(h, 1, 2);   // mono
  put_le(h, static_cast<uint32_t>(sample_rate), 4);
  put_le(h, static_cast<uint32_t>(sample_rate) * 2, 4);  // byte rate
  put_le(h, 2, 2);                                       // block align
  put_le(h, 16, 2);                                      // bits per sample
}

}  // namespace

std::string wav_header(uint32_t data_bytes, int sample_rate) {
  std::string h;
  h.reserve(kWavHeaderBytes);
  h += "RIFF";
  put_le(h, 36 + data_bytes, 4);
  h += "WAVE";
  put_fmt_chunk(h, sample_rate);
  h += "data";
  put_le(h, data_bytes, 4);
  return h;
}

std::string rf64_header(uint64_t data_bytes, int sample_rate) {
  std::string h;
  h.reserve(kRf64HeaderBytes);
  h += "RF64";
  put_le(h, 0xFFFFFFFF, 4);
  h += "WAVEds64";
  put_le(h, 28, 4);                                // ds64 chunk size
  put_le64(h, kRf64HeaderBytes - 8 + data_bytes);  // RIFF size
  put_le64(h, data_bytes);                         // data size
  put_le64(h, data_bytes / 2);                     // sample frames
  put_le(h, 0, 4);                                 // no table of other chunks' sizes
  put_fmt_chunk(h, sample_rate);
  h += "data";
  put_le(h, 0xFFFFFFFF, 4);
  return h;
}

void append_pcm16(std::string& out, std::span<const float> samples) {
  std::size_t at = out.size();
  out.resize(at + samples.size() * 2);
  for (float s : samples) {
    const auto v = static_cast<int16_t>(std::lrint(std::clamp(s, -1.0f, 1.0f) * 32767.0f));
    out[at++] = static_cast<char>(v & 0xFF);
    out[at++] = static_cast<char>((v >> 8) & 0xFF);
  }
}

std::string wav_file(std::span<const float> speech, int64_t pause_samples, int sample_rate) {
  const auto total = static_cast<std::size_t>(speech.size() + pause_samples);
  std::string out = wav_header(static_cast<uint32_t>(total * 2), sample_rate);
  out.reserve(kWavHeaderBytes + total * 2);
  append_pcm16(out, speech);
  out.resize(kWavHeaderBytes + total * 2, '\0');
  return out;
}

std::optional<WavLayout> parse_wav(std::span<const uint8_t> file) {
  if (file.size() < 12 || std::memcmp(file.data(), "RIFF", 4) != 0 ||
      std::memcmp(file.data() + 8, "WAVE", 4) != 0) {
    return std::nullopt;
  }
  WavLayout layout;
  bool have_fmt = false;
  std::size_t pos = 12;
  while (pos + 8 <= file.size()) {
    const uint8_t* chunk = file.data() + pos;
    const std::size_t size = get_le(chunk + 4, 4);
    if (std::memcmp(chunk, "fmt ", 4) == 0) {
      if (size < 16 || pos + 8 + 16 > file.size()) return std::nullopt;
      if (get_le(chunk + 8, 2) != 1) return std::nullopt;  // PCM only
      layout.channels = static_cast<int>(get_le(chunk + 10, 2));
      const uint32_t rate = get_le(chunk + 12, 4);
      layout.bits_per_sample = static_cast<int>(get_le(chunk + 22, 2));
      // No channel, no sample size or no rate (or one past int) is no PCM WAV (found by
      // tests/fuzz: a rate of 0 or "negative" went on into the assembled file's header).
      if (layout.channels == 0 || layout.bits_per_sample == 0 || rate == 0 || rate > INT32_MAX) {
        return std::nullopt;
      }
      layout.sample_rate = static_cast<int>(rate);
      have_fmt = true;
    } else if (std::memcmp(chunk, "data", 4) == 0) {
      if (!have_fmt) return std::nullopt;
      layout.data_offset = pos + 8;
      layout.data_bytes = std::min(size, file.size() - layout.data_offset);
      return layout;
    }
    pos += 8 + size + (size & 1);
  }
  return std::nullopt;
}

}  // namespace polyvox::audio
