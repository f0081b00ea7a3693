#include "core/manifest.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace polyvox {

double manifest_ms(int64_t samples, int sample_rate) {
  if (sample_rate <= 0) return 0.0;
  return std::round(1e6 * static_cast<double>(samples) / sample_rate) / 1000.0;
}

std::string Manifest::to_json(int indent) const {
  nlohmann::ordered_json doc;
  doc["format"] = output_format_name(format);
  doc["sample_rate"] = sample_rate;
  doc["duration_ms"] = manifest_ms(total_samples, sample_rate);
  auto& list = doc["blocks"] = nlohmann::ordered_json::array();
  for (const auto& b : blocks) {
    list.push_back({{"index", b.index},
                    {"provider", b.provider},
                    {"voice", b.voice},
                    {"offset_ms", manifest_ms(b.offset_samples, sample_rate)},
                    {"speech_ms", manifest_ms(b.speech_samples, sample_rate)},
                    {"pause_ms", manifest_ms(b.pause_samples, sample_rate)}});
    if (!b.spoken_text.empty()) list.back()["spoken_text"] = b.spoken_text;
  }
  return doc.dump(indent);
}

}  // namespace polyvox
