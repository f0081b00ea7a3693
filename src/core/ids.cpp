#include "core/ids.h"

#include <sys/random.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

namespace polyvox {
namespace {

void fill_random(unsigned char* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t got = ::getrandom(out + done, size - done, 0);
    if (got < 0) throw std::runtime_error("getrandom failed");  // fatal: no entropy source
    done += static_cast<std::size_t>(got);
  }
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

std::string uuid4_from(unsigned char (&b)[16]) {
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  const std::string hex = to_hex(b, sizeof b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace

std::string new_uuid4() {
  unsigned char b[16];
  fill_random(b, sizeof b);
  return uuid4_from(b);
}

std::string new_request_id() {
  thread_local std::mt19937_64 generator = [] {
    unsigned char seed[8 * 4];
    fill_random(seed, sizeof seed);
    uint32_t words[8];
    std::memcpy(words, seed, sizeof words);
    std::seed_seq sequence(std::begin(words), std::end(words));
    return std::mt19937_64(sequence);
  }();
  const uint64_t halves[2] = {generator(), generator()};
  unsigned char b[16];
  std::memcpy(b, halves, sizeof b);
  return uuid4_from(b);
}

bool is_uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> b(bytes);
  fill_random(b.data(), b.size());
  return to_hex(b.data(), b.size());
}

}  // namespace polyvox
