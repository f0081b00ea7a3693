// The boundary between time_stretch.cpp and the lazily loaded libavfilter module
// (time_stretch_filter.cpp, built as libpolyvox_avfilter.so): one C entry point.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace polyvox::audio {

inline constexpr const char* kTimeStretchModule = "libpolyvox_avfilter.so";
inline constexpr const char* kTimeStretchSymbol = "polyvox_time_stretch";

// Plays `count` mono float samples at `sample_rate` `tempo` times as fast, pitch unchanged,
// through libavfilter's `filter` ("rubberband" or "atempo"; "" = rubberband when this FFmpeg
// has it, else atempo), appending the result to `out` and naming the filter used in `used`.
// `count` 0 asks only which filter "" would use. False with `error` set on failure. Thread-safe.
using TimeStretchFn = bool (*)(const float* samples, std::size_t count, int sample_rate,
                               double tempo, const char* filter, std::vector<float>* out,
                               std::string* used, std::string* error);

}  // namespace polyvox::audio

extern "C" bool polyvox_time_stretch(const float* samples, std::size_t count, int sample_rate,
                                     double tempo, const char* filter, std::vector<float>* out,
                                     std::string* used, std::string* error);
