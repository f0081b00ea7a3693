// Memory for what the diacritizer builds once at load: its files' bytes and its large tables.
//
// Why: loading touches ~100 MB of fresh memory (two files read whole, the weights copied into
// matrices, the lexicon's index and tables). Fresh memory costs one page fault per 4 KiB page
// touched, and on a paravirtualized guest a fault costs microseconds: ~28,000 faults were half
// of a 470-600 ms load on one core. Large blocks taken here are anonymous mappings advised as
// transparent huge pages (MADV_HUGEPAGE, a hint the kernel honours unless its THP mode is
// "never"), which it faults in 2 MiB at a time: a few hundred faults instead.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <string_view>

namespace polyvox {

// Blocks of kHugeBlockBytes or more: anonymous mappings (whole 2 MiB pages, advised as huge
// pages, zero-filled by the kernel); smaller ones: the default new/delete resource. Thread-safe;
// lives as long as the process. Allocation failure throws std::bad_alloc.
std::pmr::memory_resource* huge_page_resource();
inline constexpr std::size_t kHugeBlockBytes = std::size_t{1} << 20;

// A byte buffer of fixed size from huge_page_resource(), not initialized by the program (a
// large one is the kernel's zero pages until written). Movable, not copyable.
class HugeBytes {
 public:
  HugeBytes() = default;
  explicit HugeBytes(std::size_t size);
  HugeBytes(HugeBytes&& other) noexcept;
  HugeBytes& operator=(HugeBytes&& other) noexcept;
  HugeBytes(const HugeBytes&) = delete;
  HugeBytes& operator=(const HugeBytes&) = delete;
  ~HugeBytes();

  char* data() { return data_; }
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  // Keeps the first `size` bytes. REQUIRES: size <= size().
  void shrink_to(std::size_t size) { size_ = size; }
  std::string_view view() const { return {data_, size_}; }
  operator std::string_view() const { return view(); }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;      // bytes in use
  std::size_t capacity_ = 0;  // bytes allocated (what deallocate is given)
};

}  // namespace polyvox
