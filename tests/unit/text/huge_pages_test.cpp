#include "text/huge_pages.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/audio_fixtures.h"  // TempDir, write_file
#include "text/whole_file.h"

namespace polyvox {
namespace {

// The VmFlags line of the mapping of this process that holds `address` (empty when none does).
std::string vm_flags_of(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t start = 0, end = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> start >> dash >> end && dash == '-') {
      inside = start <= at && at < end;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

TEST(HugePagesTest, LargeBlocksAreWholeHugePagesAdvisedAsSuch) {
  HugeBytes bytes(3 << 20);
  ASSERT_EQ(bytes.size(), std::size_t{3} << 20);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(bytes.data()) % (2 << 20), 0u);
  // Zero-filled and writable end to end.
  EXPECT_EQ(bytes.data()[0], 0);
  EXPECT_EQ(bytes.data()[bytes.size() - 1], 0);
  bytes.data()[0] = 'a';
  bytes.data()[bytes.size() - 1] = 'z';
  EXPECT_EQ(bytes.view().front(), 'a');
  EXPECT_EQ(bytes.view().back(), 'z');
  if (std::filesystem::exists("/sys/kernel/mm/transparent_hugepage")) {
    // "hg": the range carries MADV_HUGEPAGE (the kernel may still decline to back it so).
    EXPECT_NE(vm_flags_of(bytes.data()).find(" hg"), std::string::npos)
        << vm_flags_of(bytes.data());
  }
}

TEST(HugePagesTest, SmallBlocksComeFromTheHeap) {
  HugeBytes empty;
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_TRUE(empty.view().empty());
  HugeBytes none(0);
  EXPECT_EQ(none.data(), nullptr);
  HugeBytes small(100);
  ASSERT_NE(small.data(), nullptr);
  small.data()[99] = 'x';
  EXPECT_EQ(vm_flags_of(small.data()).find(" hg"), std::string::npos);
}

TEST(HugePagesTest, MovesHandOverTheBlock) {
  HugeBytes a(2 << 20);
  a.data()[5] = 'q';
  const char* block = a.data();
  HugeBytes b(std::move(a));
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(b.data(), block);
  HugeBytes c(10);
  c = std::move(b);  // c's own block is freed
  EXPECT_EQ(c.data(), block);
  EXPECT_EQ(c.data()[5], 'q');
  c = std::move(c);
  EXPECT_EQ(c.data(), block);
}

TEST(HugePagesTest, ContainersOnTheResourceWork) {
  std::pmr::vector<std::uint64_t> big(huge_page_resource());
  big.resize(1 << 20);  // 8 MiB: a huge block
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = i;
  big.resize(3 << 20);  // grows into a new block, the old one unmapped
  EXPECT_EQ(big[12345], 12345u);
  EXPECT_EQ(big.back(), 0u);
  std::pmr::vector<int> small({1, 2, 3}, huge_page_resource());
  EXPECT_EQ(small[2], 3);
}

TEST(WholeFileTest, ReadsEveryByte) {
  const test_support::TempDir dir;
  std::string content(3 << 20, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + i / 4096);
  test_support::write_file(dir / "big", content);
  const auto read = read_whole_file((dir / "big").string());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->view(), content);
  test_support::write_file(dir / "small", "abc");
  EXPECT_EQ(read_whole_file((dir / "small").string())->view(), "abc");
  test_support::write_file(dir / "empty", "");
  const auto empty = read_whole_file((dir / "empty").string());
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->view().empty());
}

TEST(WholeFileTest, RefusesWhatIsNotAReadableRegularFile) {
  const test_support::TempDir dir;
  EXPECT_FALSE(read_whole_file((dir / "missing").string()));
  EXPECT_FALSE(read_whole_file(dir.path().string()));  // a directory
  const auto fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_FALSE(read_whole_file(fifo.string()));  // would block: refused, not read
}

// parse_whole_file: what the loaders use; an allocation failure (a file, or the tables it asks
// for, larger than memory) becomes the caller's error, as does a file that cannot be read.
TEST(WholeFileTest, ParseGetsTheBytesAndFailuresAreNamed) {
  const test_support::TempDir dir;
  test_support::write_file(dir / "file", "bytes");
  const auto fail = [](const char* why) { return std::string("failed: ") + why; };
  EXPECT_EQ(
      parse_whole_file((dir / "file").string(),
                       [](std::string_view bytes) { return "parsed " + std::string(bytes); }, fail),
      "parsed bytes");
  EXPECT_EQ(parse_whole_file((dir / "missing").string(),
                             [](std::string_view) { return std::string("no"); }, fail),
            "failed: cannot be read");
  EXPECT_EQ(parse_whole_file((dir / "file").string(),
                             [](std::string_view) -> std::string { throw std::bad_alloc(); }, fail),
            "failed: does not fit in memory");
}

}  // namespace
}  // namespace polyvox
