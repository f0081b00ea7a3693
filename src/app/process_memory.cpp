#include "app/process_memory.h"

#include <link.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace polyvox {
namespace {

// Blocks above this are mapped on their own and returned on free: a second of 44.1 kHz float
// PCM is 176 KB, so every block's buffers are.
constexpr int kMmapThresholdBytes = 128 * 1024;

// The libraries whose read-only pages release_voice_pages() drops: flite's voices (the slt
// voice's data is 3.5 MB of read-only segments) and its lexicon.
constexpr const char* kVoiceLibraries = "libflite_cmu";

struct Search {
  std::string name_part;
  std::size_t bytes = 0;
};

// For each loaded object whose path contains the search's name: every loadable segment that is
// neither writable nor executable, in whole pages inside it. Those pages are the file's
// contents as they are on disk (relocated data is in the writable segment and its RELRO part),
// so dropping them loses nothing.
int drop_read_only_segments(dl_phdr_info* info, size_t, void* data) {
  auto& search = *static_cast<Search*>(data);
  if (info->dlpi_name == nullptr ||
      std::strstr(info->dlpi_name, search.name_part.c_str()) == nullptr) {
    return 0;
  }
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_LOAD || (segment.p_flags & (PF_W | PF_X)) != 0) continue;
    const uintptr_t start = info->dlpi_addr + segment.p_vaddr;
    const uintptr_t first = (start + page - 1) / page * page;
    const uintptr_t end = (start + segment.p_filesz) / page * page;
    if (end <= first) continue;
    if (::madvise(reinterpret_cast<void*>(first), end - first, MADV_DONTNEED) == 0) {
      search.bytes += end - first;
    }
  }
  return 0;
}

}  // namespace

void tune_allocator() { mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes); }

void release_free_memory() { malloc_trim(0); }

std::size_t release_library_pages(const std::string& name_part) {
  Search search{name_part};
  dl_iterate_phdr(drop_read_only_segments, &search);
  return search.bytes;
}

void release_voice_pages() { release_library_pages(kVoiceLibraries); }

void release_idle_worker_memory() {
  release_free_memory();
  release_voice_pages();
}

}  // namespace polyvox
