#include "audio/time_stretch.h"

#include <cmath>

#include "audio/audio_module.h"
#include "audio/time_stretch_filter.h"

namespace polyvox::audio {
namespace {

// The libavfilter module, loaded once on first use.
TimeStretchFn stretch_function(std::string& error) {
  static ModuleFunction<TimeStretchFn> stretch(kTimeStretchModule, kTimeStretchSymbol);
  return stretch.get(error);
}

// Silence appended to the input before it is stretched (see time_stretch()).
constexpr double kTailMs = 250.0;

Error stretch_error(const std::string& why) {
  return Error{ErrorKind::kInternal, "time stretch: " + why, ""};
}

const char* filter_name(StretchFilter filter) {
  switch (filter) {
    case StretchFilter::kRubberband:
      return "rubberband";
    case StretchFilter::kAtempo:
      return "atempo";
    case StretchFilter::kBest:
      break;
  }
  return "";
}

}  // namespace

Result<std::string> best_stretch_filter() {
  std::string error;
  TimeStretchFn stretch = stretch_function(error);
  if (!stretch) return stretch_error("libavfilter is unavailable: " + error);
  std::string used;
  if (!stretch(nullptr, 0, 0, 1.0, "", nullptr, &used, &error)) return stretch_error(error);
  return used;
}

Result<PcmBuffer> time_stretch(PcmBuffer pcm, double tempo, StretchFilter filter) {
  if (tempo == 1.0 || pcm.samples.empty()) return pcm;
  std::string error;
  TimeStretchFn stretch = stretch_function(error);
  if (!stretch) return stretch_error("libavfilter is unavailable: " + error);
  // The filters hold back the last few tens of milliseconds (rubberband more at slow tempos) and
  // shift the start by a few: silence after the end keeps every sample of the input in the
  // output, which is then cut to exactly the stretched length.
  const std::size_t length = pcm.samples.size();
  const auto stretched_length =
      static_cast<std::size_t>(std::llround(static_cast<double>(length) / tempo));
  pcm.samples.resize(length + static_cast<std::size_t>(ms_to_samples(kTailMs, pcm.sample_rate)),
                     0.0f);
  PcmBuffer out;
  out.sample_rate = pcm.sample_rate;
  std::string used;
  if (!stretch(pcm.samples.data(), pcm.samples.size(), pcm.sample_rate, tempo, filter_name(filter),
               &out.samples, &used, &error)) {
    return stretch_error(error);
  }
  out.samples.resize(stretched_length, 0.0f);
  return out;
}

}  // namespace polyvox::audio
