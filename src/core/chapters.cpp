#include "core/chapters.h"

#include <algorithm>
#include <limits>

namespace polyvox {

std::vector<Chapter> place_chapters(const std::vector<std::string>& titles,
                                    const std::vector<int64_t>& offsets, int64_t total_samples) {
  std::vector<Chapter> chapters;
  for (std::size_t i = 0; i < titles.size() && i < offsets.size(); ++i) {
    if (titles[i].empty()) continue;
    if (!chapters.empty()) chapters.back().end_samples = offsets[i];
    chapters.push_back({titles[i], offsets[i], total_samples});
  }
  return chapters;
}

uint32_t chapter_ms(int64_t samples, int sample_rate) {
  if (sample_rate <= 0 || samples <= 0) return 0;
  const int64_t ms = (samples * 1000 + sample_rate / 2) / sample_rate;
  return static_cast<uint32_t>(std::min<int64_t>(ms, std::numeric_limits<uint32_t>::max()));
}

}  // namespace polyvox
