#include "text/mark_merge.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "core/utf8.h"
#include "text/arabic_marks.h"

namespace polyvox {
namespace {

// The clusters of a text (see the header): each one's skeleton (its characters but the eight
// marks) and marks, as ranges of two flat arrays, and the byte offset where it ends.
struct Clusters {
  std::vector<char32_t> skeleton_chars;
  std::vector<char32_t> mark_chars;
  std::vector<std::size_t> skeleton_begin;  // one more entry than clusters
  std::vector<std::size_t> marks_begin;     // one more entry than clusters
  std::vector<std::size_t> end_byte;
  std::vector<std::uint64_t> hash;  // of the skeleton: compares fast, equality checked after

  std::size_t size() const { return end_byte.size(); }
  bool is_letter(std::size_t c) const {
    // A cluster's skeleton starts with its base, but for a run of combining characters before
    // the first base: its skeleton is empty or starts with a combining mark, never a letter.
    return skeleton_begin[c] < skeleton_begin[c + 1] &&
           arabic::is_letter(skeleton_chars[skeleton_begin[c]]);
  }
  std::span<const char32_t> marks(std::size_t c) const {
    return {mark_chars.data() + marks_begin[c], marks_begin[c + 1] - marks_begin[c]};
  }
};

bool is_combining(char32_t cp) { return arabic::is_mark(cp) || arabic::is_other_mark(cp); }

// REQUIRES: is_valid_utf8(text).
Clusters clusters_of(std::string_view text) {
  Clusters out;
  std::uint64_t hash = 0;
  auto close = [&](std::size_t end) {
    out.end_byte.push_back(end);
    out.hash.push_back(hash);
    out.skeleton_begin.push_back(out.skeleton_chars.size());
    out.marks_begin.push_back(out.mark_chars.size());
  };
  out.skeleton_begin.push_back(0);
  out.marks_begin.push_back(0);
  bool open = false;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t start = pos;
    const char32_t cp = next_code_point(text, pos);
    // A base starts a cluster; so do combining characters before any base.
    if (!is_combining(cp) || !open) {
      if (open) close(start);
      open = true;
      hash = 0xcbf29ce484222325ULL;
    }
    if (arabic::is_mark(cp)) {
      out.mark_chars.push_back(cp);
    } else {
      out.skeleton_chars.push_back(cp);
      hash = (hash ^ cp) * 0x100000001b3ULL;
    }
  }
  if (open) close(text.size());
  return out;
}

bool same_skeleton(const Clusters& a, std::size_t i, const Clusters& b, std::size_t j) {
  if (a.hash[i] != b.hash[j]) return false;
  const std::size_t n = a.skeleton_begin[i + 1] - a.skeleton_begin[i];
  if (n != b.skeleton_begin[j + 1] - b.skeleton_begin[j]) return false;
  return std::equal(a.skeleton_chars.begin() + static_cast<std::ptrdiff_t>(a.skeleton_begin[i]),
                    a.skeleton_chars.begin() + static_cast<std::ptrdiff_t>(a.skeleton_begin[i + 1]),
                    b.skeleton_chars.begin() + static_cast<std::ptrdiff_t>(b.skeleton_begin[j]));
}

constexpr std::size_t kUnaligned = static_cast<std::size_t>(-1);

// For each cluster of `a`, the cluster of `b` aligned with it, or kUnaligned.
std::vector<std::size_t> align(const Clusters& a, const Clusters& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> match(n, kUnaligned);
  std::size_t prefix = 0;
  while (prefix < n && prefix < m && same_skeleton(a, prefix, b, prefix)) {
    match[prefix] = prefix;
    ++prefix;
  }
  std::size_t suffix = 0;
  while (suffix < n - prefix && suffix < m - prefix &&
         same_skeleton(a, n - 1 - suffix, b, m - 1 - suffix)) {
    match[n - 1 - suffix] = m - 1 - suffix;
    ++suffix;
  }
  const std::size_t rows = n - prefix - suffix, cols = m - prefix - suffix;
  if (rows == 0 || cols == 0 || rows * cols > kMaxAlignedCells) return match;
  // Longest common subsequence of the middles: lcs[i][j] of a's middle from i, b's from j. Its
  // values are at most min(rows, cols) <= 1024, within 16 bits.
  const std::size_t width = cols + 1;
  std::vector<std::uint16_t> lcs((rows + 1) * width, 0);
  for (std::size_t i = rows; i-- > 0;) {
    for (std::size_t j = cols; j-- > 0;) {
      lcs[i * width + j] = same_skeleton(a, prefix + i, b, prefix + j)
                               ? static_cast<std::uint16_t>(lcs[(i + 1) * width + j + 1] + 1)
                               : std::max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
    }
  }
  for (std::size_t i = 0, j = 0; i < rows && j < cols;) {
    if (same_skeleton(a, prefix + i, b, prefix + j) &&
        lcs[i * width + j] == lcs[(i + 1) * width + j + 1] + 1) {
      match[prefix + i] = prefix + j;
      ++i, ++j;
    } else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
      ++i;
    } else {
      ++j;
    }
  }
  return match;
}

}  // namespace

MergedMarks merge_marks(std::string_view original, std::string_view answer) {
  const std::string repaired = is_valid_utf8(answer) ? std::string() : to_valid_utf8(answer);
  const Clusters a = clusters_of(original);
  const Clusters b = clusters_of(repaired.empty() ? answer : std::string_view(repaired));
  const std::vector<std::size_t> match = align(a, b);

  MergedMarks out;
  out.same_text = a.size() == b.size() &&
                  std::none_of(match.begin(), match.end(), [](auto j) { return j == kUnaligned; });
  out.text.reserve(original.size() + original.size() / 2);
  std::size_t copied = 0;
  for (std::size_t c = 0; c < a.size(); ++c) {
    out.text.append(original.substr(copied, a.end_byte[c] - copied));
    copied = a.end_byte[c];
    if (!a.is_letter(c)) continue;
    ++out.letters;
    if (match[c] == kUnaligned || !b.is_letter(match[c])) continue;
    ++out.letters_aligned;
    const int wanted = arabic::class_of(b.marks(match[c]));
    for (const arabic::AllowedClass& allowed : arabic::allowed_classes(a.marks(c))) {
      if (allowed.mark_class != wanted) continue;
      for (int k = 0; k < allowed.added_count; ++k) {
        append_utf8(out.text, allowed.added[static_cast<std::size_t>(k)]);
      }
      out.marks_added += static_cast<std::size_t>(allowed.added_count);
      break;
    }
  }
  return out;
}

}  // namespace polyvox
