#include "auth/secret_compare.h"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace polyvox {
namespace {

using Digest = std::array<unsigned char, crypto_generichash_BYTES>;

Digest digest_of(std::string_view text) {
  Digest digest;
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr, 0);
  return digest;
}

}  // namespace

bool secrets_equal(std::string_view presented, std::string_view expected) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialize");
  const Digest a = digest_of(presented), b = digest_of(expected);
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace polyvox
