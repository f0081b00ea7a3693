// Puts the marks a remote diacritizer wrote onto the text it was sent, so that whatever it
// answers the result keeps the Diacritizer contract (diacritizer.h): every character of the
// user's text unchanged and in place, the marks it already had kept, marks only appended after
// Arabic letters. The seed's diacritization server is a sequence-to-sequence model: besides
// marks, its answer may drop, repeat or change words, normalize punctuation or spaces, stop
// short at its max_length, or be unrelated to the text; speaking that instead of the user's text
// would lose their words without a trace.
//
// Both texts are cut into clusters: a base character (any code point other than the eight marks
// U+064B..U+0652 and the other Arabic combining marks, arabic::is_other_mark) with the combining
// characters that follow it (a run of them before the first base is a cluster of its own). A
// cluster's skeleton is its characters without the eight marks. The answer's clusters are
// aligned with the text's: the longest common prefix and suffix of equal skeletons, and between
// them a longest common subsequence (when the two middles hold at most kMaxAlignedCells pairs;
// beyond that the middle is left unaligned). An Arabic letter's cluster aligned with one of the
// answer takes the class of the answer's marks (arabic::class_of) when its own given marks allow
// it (arabic::allowed_classes: a lone shadda may get a vowel, a lone vowel a shadda), the marks to
// add appended after the cluster's last combining character; every other cluster is copied as it
// is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace polyvox {

struct MergedMarks {
  std::string text;                 // the original text with the answer's marks added
  std::size_t letters = 0;          // Arabic letters (clusters whose base is one) of the text
  std::size_t letters_aligned = 0;  // of them, aligned with a cluster of the answer
  std::size_t marks_added = 0;      // marks appended
  bool same_text = false;           // the answer's skeletons are exactly the text's
};

// Largest product of the two unaligned middles' cluster counts that is aligned by dynamic
// programming (2 bytes a pair): a part of 256 characters against an answer up to 4,096 clusters.
inline constexpr std::size_t kMaxAlignedCells = std::size_t{1} << 20;

// `original`: the text sent, REQUIRES valid UTF-8. `answer`: anything the server sent back
// (malformed UTF-8 is read with each bad byte as U+FFFD). Pure; time O(n + m) plus the
// alignment of the middles, memory O(n + m + kMaxAlignedCells).
MergedMarks merge_marks(std::string_view original, std::string_view answer);

}  // namespace polyvox
