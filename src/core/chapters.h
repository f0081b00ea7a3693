// A job's chapters: where each block with a `chapter` title starts one in the final file, and
// where it ends (the next chapter's start, or the end of the file). Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace polyvox {

// Most chapters in one job: an ID3v2 table of contents counts its entries in one byte.
inline constexpr std::size_t kMaxChapters = 255;

struct Chapter {
  std::string title;
  int64_t start_samples = 0;  // where the chapter's first block's speech starts
  int64_t end_samples = 0;    // where the next chapter starts, or the end of the file
};

// The chapters of a job whose block i has the title titles[i] ("" = no chapter starts there) and
// starts at offsets[i] in a file of total_samples. REQUIRES: titles.size() == offsets.size(),
// offsets ascending and at most total_samples. Pure.
std::vector<Chapter> place_chapters(const std::vector<std::string>& titles,
                                    const std::vector<int64_t>& offsets, int64_t total_samples);

// Milliseconds of `samples` at `sample_rate`, rounded to the nearest: how chapter times are
// written where a container counts whole milliseconds (ID3 CHAP, Vorbis CHAPTERxxx). Pure.
uint32_t chapter_ms(int64_t samples, int sample_rate);

}  // namespace polyvox
