// release_library_pages: the read-only pages of a loaded library leave the resident set and
// read back the same afterwards.
#include "app/process_memory.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <link.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace polyvox {
namespace {

constexpr const char* kLibrary = "libflite_cmu_us_slt.so.1";  // 3.5 MB of read-only segments

// Resident kB of the mappings whose path contains `name` (/proc/self/smaps).
int64_t resident_kb(const std::string& name) {
  std::ifstream smaps("/proc/self/smaps");
  int64_t kb = 0;
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
        line.find('-') < line.find(' ')) {
      inside = line.find(name) != std::string::npos;
    } else if (inside && line.rfind("Rss:", 0) == 0) {
      int64_t value = 0;
      std::istringstream(line.substr(4)) >> value;
      kb += value;
    }
  }
  return kb;
}

// Reads every byte of the library's read-only segments; their sum, to compare contents.
uint64_t read_segments() {
  uint64_t sum = 0;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        if (info->dlpi_name == nullptr || std::strstr(info->dlpi_name, kLibrary) == nullptr) {
          return 0;
        }
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& s = info->dlpi_phdr[i];
          if (s.p_type != PT_LOAD || (s.p_flags & (PF_W | PF_X)) != 0) continue;
          const auto* bytes =
              reinterpret_cast<const volatile unsigned char*>(info->dlpi_addr + s.p_vaddr);
          for (std::size_t b = 0; b < s.p_filesz; ++b) *static_cast<uint64_t*>(data) += bytes[b];
        }
        return 0;
      },
      &sum);
  return sum;
}

TEST(ProcessMemoryTest, ReleasedLibraryPagesLeaveTheResidentSetAndReadBackTheSame) {
  void* handle = ::dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << kLibrary << " (Debian's libflite1) is not installed";
  const uint64_t contents = read_segments();
  const int64_t before_kb = resident_kb("libflite_cmu_us_slt");
  EXPECT_GT(before_kb, 3000);  // every read-only page was just read
  EXPECT_GT(release_library_pages("libflite_cmu_us_slt"), 3'000'000u);
  const int64_t after_kb = resident_kb("libflite_cmu_us_slt");
  EXPECT_LT(after_kb, before_kb - 3000);
  EXPECT_EQ(release_library_pages("no-such-library"), 0u);
  EXPECT_EQ(read_segments(), contents);  // faulted in again from the file, unchanged
  EXPECT_GT(resident_kb("libflite_cmu_us_slt"), before_kb - 100);
  ::dlclose(handle);
}

}  // namespace
}  // namespace polyvox
