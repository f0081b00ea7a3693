#include "core/manifest.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace polyvox {

double manifest_ms(int64_t samples, int sample_rate) {
  if (sample_rate <= 0) return 0.0;
  return std::round(1e6 * static_cast<double>(samples) / sample_rate) / 1000.0;
}

std::string Manifest::to_json(int indent, bool with_words) const {
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
                    {"pause_ms", manifest_ms(b.pause_samples, sample_rate)},
                    {"timing_source", b.timing_source}});
    if (!b.spoken_text.empty()) list.back()["spoken_text"] = b.spoken_text;
    if (!with_words) continue;
    auto& words = list.back()["words"] = nlohmann::ordered_json::array();
    for (const WordTiming& w : b.words) {
      words.push_back({{"text", w.text},
                       {"start_ms", std::round(w.start_ms * 1000.0) / 1000.0},
                       {"end_ms", std::round(w.end_ms * 1000.0) / 1000.0}});
    }
  }
  if (!chapters.empty()) {
    auto& marks = doc["chapters"] = nlohmann::ordered_json::array();
    for (const Chapter& c : chapters) {
      marks.push_back({{"title", c.title},
                       {"start_ms", manifest_ms(c.start_samples, sample_rate)},
                       {"end_ms", manifest_ms(c.end_samples, sample_rate)}});
    }
  }
  if (profile != DeliveryProfile::kServer) doc["profile"] = delivery_profile_name(profile);
  if (loudness) {
    auto level = [](double db) -> nlohmann::ordered_json {
      if (!std::isfinite(db)) return nullptr;
      return std::round(db * 100.0) / 100.0;
    };
    doc["loudness"] = {{"integrated_lufs", level(loudness->integrated_lufs)},
                       {"true_peak_dbtp", level(loudness->true_peak_dbtp)},
                       {"rms_db", level(loudness->rms_db)},
                       {"noise_floor_db", level(loudness->noise_floor_db)},
                       {"lead_ms", loudness->lead_ms},
                       {"tail_ms", loudness->tail_ms}};
  }
  return doc.dump(indent);
}

std::string drop_words(const std::string& manifest_json) {
  auto doc = nlohmann::ordered_json::parse(manifest_json, nullptr, false);
  if (!doc.is_object() || !doc.contains("blocks") || !doc["blocks"].is_array()) {
    return manifest_json;
  }
  for (auto& block : doc["blocks"]) {
    if (block.is_object()) block.erase("words");
  }
  return doc.dump();
}

}  // namespace polyvox
