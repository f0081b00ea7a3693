// Files embedded in the binary at build time with the assembler's .incbin: POLYVOX_EMBED(symbol,
// "absolute path") defines symbol_begin and symbol_end around the file's bytes (followed by a
// NUL that is not counted), and embedded_view() makes a string_view of them.
#pragma once

#include <cstddef>
#include <string_view>

#define POLYVOX_EMBED(symbol, path)                                       \
  asm(".section .rodata\n.global " #symbol "_begin\n.balign 16\n" #symbol \
      "_begin:\n.incbin \"" path "\"\n.global " #symbol "_end\n" #symbol  \
      "_end:\n.byte 0\n.previous\n");                                     \
  extern "C" const char symbol##_begin[];                                 \
  extern "C" const char symbol##_end[];

namespace polyvox {

inline std::string_view embedded_view(const char* begin, const char* end) {
  return {begin, static_cast<std::size_t>(end - begin)};
}

}  // namespace polyvox
