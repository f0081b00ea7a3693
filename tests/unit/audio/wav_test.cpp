// WAV headers as wav.h writes and reads them.
#include "audio/wav.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace polyvox::audio {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void put_le(std::string& file, std::size_t at, uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) file[at + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

TEST(WavTest, ReadsBackWhatItWrites) {
  const std::vector<float> speech{0.5f, -0.5f, 1.5f};
  const std::string file = wav_file(speech, 2, 16000);
  const auto layout = parse_wav(bytes_of(file));
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->sample_rate, 16000);
  EXPECT_EQ(layout->channels, 1);
  EXPECT_EQ(layout->bits_per_sample, 16);
  EXPECT_EQ(layout->data_offset, kWavHeaderBytes);
  EXPECT_EQ(layout->data_bytes, 10u);
}

TEST(WavTest, ClampsADataChunkLongerThanTheFile) {
  std::string file = wav_header(1000, 8000) + std::string(10, '\0');
  const auto layout = parse_wav(bytes_of(file));
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->data_bytes, 10u);
}

// Found by tests/fuzz (wav, assembler): a fmt chunk with no channels, no sample size or a rate
// of 0 or over INT32_MAX (read as a negative int) was taken for PCM.
TEST(WavTest, RejectsFormatsWithoutChannelsSampleSizeOrRate) {
  const std::string good = wav_header(4, 8000) + std::string(4, '\0');
  ASSERT_TRUE(parse_wav(bytes_of(good)).has_value());
  struct Field {
    std::size_t at;
    int bytes;
    uint32_t value;
  };
  for (const Field field : {Field{22, 2, 0}, Field{34, 2, 0}, Field{24, 4, 0},
                            Field{24, 4, 0x80000000u}, Field{24, 4, 0xFFFFFFFFu}}) {
    std::string file = good;
    put_le(file, field.at, field.value, field.bytes);
    EXPECT_FALSE(parse_wav(bytes_of(file)).has_value())
        << "field at " << field.at << " = " << field.value;
  }
}

}  // namespace
}  // namespace polyvox::audio
