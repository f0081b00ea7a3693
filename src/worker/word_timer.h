// From what a provider reported (word marks) or, when it reported nothing, from the block's own
// audio, to the word timings of the block as the user wrote it (core/word_timing.h). The block
// pipeline (block_renderer.h) calls these once per block, after the silence trim, with marks
// already carried through the split-request concatenation, the time stretch and the trim.
#pragma once

#include <span>
#include <string_view>

#include "core/word_timing.h"

namespace polyvox {

// The timings of `written` (the block's text as the user wrote it) from `marks` over `spoken`
// (the text the provider was sent: the same text, or its diacritized form), whose times are
// milliseconds of the trimmed speech, which lasts `speech_ms`. Words no mark touches are placed
// between their neighbours by letters; starts never go back; every time is within
// [0, speech_ms] and each word ends no later than the next starts. Pure.
BlockTimings timings_from_marks(const SpeechMarks& marks, std::string_view spoken,
                                std::string_view written, double speech_ms);

// For providers that report no timings: the pauses in `speech` (mono, `sample_rate`, trimmed)
// are matched to the phrase ends of `spoken` (sentence and clause punctuation) in order, by
// where the letters before each would put it; each phrase's words are spread over its sound by
// letters. Source kTimingFromAudio. Pure.
BlockTimings timings_from_audio(std::span<const float> speech, int sample_rate,
                                std::string_view spoken, std::string_view written);

// `marks` moved to a new timeline: each time t becomes (t + shift_ms) / tempo, clamped at 0, and
// each text position p becomes p + text_offset. Pure.
void move_marks(SpeechMarks& marks, double shift_ms, double tempo, std::size_t text_offset = 0);

}  // namespace polyvox
