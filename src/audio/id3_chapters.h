// An ID3v2.4 tag holding a job's chapters, written at the start of an MP3 file before its Info
// tag frame (assembler.h): one CTOC frame (the table of contents: top level, ordered) and one
// CHAP frame per chapter with its title in an embedded TIT2 frame (UTF-8). Times are whole
// milliseconds (the frame's unit); byte offsets are left unset (0xFFFFFFFF), as the
// specification allows, so that readers go by time.
#pragma once

#include <string>
#include <vector>

#include "core/chapters.h"

namespace polyvox::audio {

// The tag's bytes ("ID3", version 4.0, no flags, a syncsafe size) for `chapters` of a file at
// `sample_rate`; empty when there are none. REQUIRES: chapters.size() <= kMaxChapters, sample_rate
// > 0. Pure.
std::string id3_chapter_tag(const std::vector<Chapter>& chapters, int sample_rate);

}  // namespace polyvox::audio
