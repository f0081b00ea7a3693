#include "text/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>
#include <utility>

namespace polyvox {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t mapped_bytes(std::size_t bytes) {
  return (bytes + kHugePage - 1) / kHugePage * kHugePage;
}

class HugePageResource final : public std::pmr::memory_resource {
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    if (bytes < kHugeBlockBytes || alignment > kHugePage) {
      return std::pmr::new_delete_resource()->allocate(bytes, alignment);
    }
    if (bytes > SIZE_MAX - kHugePage) throw std::bad_alloc();
    const std::size_t size = mapped_bytes(bytes);
    // Over-map by one huge page so that the block can start on a 2 MiB boundary (the kernel
    // backs only aligned 2 MiB ranges with huge pages), then give back the unused ends.
    void* raw = mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    auto* base = static_cast<char*>(raw);
    const std::size_t lead =
        (kHugePage - reinterpret_cast<std::uintptr_t>(base) % kHugePage) % kHugePage;
    if (lead > 0) munmap(base, lead);
    munmap(base + lead + size, kHugePage - lead);
    char* block = base + lead;
    madvise(block, size, MADV_HUGEPAGE);  // a hint: without THP the pages are small ones
    return block;
  }

  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    if (bytes < kHugeBlockBytes || alignment > kHugePage) {
      std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
      return;
    }
    munmap(p, mapped_bytes(bytes));
  }

  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

}  // namespace

std::pmr::memory_resource* huge_page_resource() {
  static HugePageResource resource;
  return &resource;
}

HugeBytes::HugeBytes(std::size_t size)
    : data_(size ? static_cast<char*>(huge_page_resource()->allocate(size, 1)) : nullptr),
      size_(size),
      capacity_(size) {}

HugeBytes::HugeBytes(HugeBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

HugeBytes& HugeBytes::operator=(HugeBytes&& other) noexcept {
  if (this != &other) {
    HugeBytes old(std::move(*this));
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

HugeBytes::~HugeBytes() {
  if (data_ != nullptr) huge_page_resource()->deallocate(data_, capacity_, 1);
}

}  // namespace polyvox
