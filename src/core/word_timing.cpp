#include "core/word_timing.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

namespace polyvox {
namespace {

double rounded_ms(double ms) { return std::round(ms * 1000.0) / 1000.0; }

bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// A stored document {source_key: string, list_key: array}: its source and its list; nullopt for
// anything else.
struct SourcedList {
  std::string source;
  nlohmann::json list;
};
std::optional<SourcedList> sourced_list(std::string_view json, const char* source_key,
                                        const char* list_key) {
  auto doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  const auto source = doc.find(source_key);
  const auto list = doc.find(list_key);
  if (source == doc.end() || !source->is_string() || list == doc.end() || !list->is_array()) {
    return std::nullopt;
  }
  return SourcedList{source->get<std::string>(), std::move(*list)};
}

}  // namespace

std::string SpeechMarks::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const WordMark& m : marks) list.push_back({m.begin, m.end, m.start_ms, m.end_ms});
  return nlohmann::json{{"source", source}, {"marks", std::move(list)}}.dump();
}

SpeechMarks SpeechMarks::from_json(std::string_view json, std::size_t text_bytes) {
  const auto doc = sourced_list(json, "source", "marks");
  if (!doc) return {};
  SpeechMarks out;
  for (const auto& item : doc->list) {
    if (!item.is_array() || item.size() != 4 || !item[0].is_number_unsigned() ||
        !item[1].is_number_unsigned() || !item[2].is_number() || !item[3].is_number()) {
      return {};
    }
    WordMark m{item[0].get<std::size_t>(), item[1].get<std::size_t>(), item[2].get<double>(),
               item[3].get<double>()};
    if (m.begin > m.end || m.end > text_bytes || !std::isfinite(m.start_ms) ||
        !std::isfinite(m.end_ms)) {
      return {};
    }
    out.marks.push_back(m);
  }
  out.source = doc->source;
  return out;
}

std::string BlockTimings::to_json() const {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const WordTiming& w : words) {
    list.push_back(
        {{"text", w.text}, {"start_ms", rounded_ms(w.start_ms)}, {"end_ms", rounded_ms(w.end_ms)}});
  }
  nlohmann::ordered_json doc;
  doc["timing_source"] = source;
  doc["words"] = std::move(list);
  return doc.dump();
}

BlockTimings BlockTimings::from_json(std::string_view json) {
  const auto doc = sourced_list(json, "timing_source", "words");
  if (!doc) return {};
  BlockTimings out;
  for (const auto& item : doc->list) {
    if (!item.is_object()) return {};
    const auto text = item.find("text");
    const auto start = item.find("start_ms");
    const auto end = item.find("end_ms");
    if (text == item.end() || !text->is_string() || start == item.end() || !start->is_number() ||
        end == item.end() || !end->is_number()) {
      return {};
    }
    out.words.push_back({text->get<std::string>(), start->get<double>(), end->get<double>()});
  }
  out.source = doc->source;
  return out;
}

PhraseEnd phrase_end(std::string_view word) {
  while (!word.empty() && std::string_view("\"')]}").find(word.back()) != std::string_view::npos) {
    word.remove_suffix(1);
  }
  for (std::string_view q : {"\xE2\x80\x9D", "\xE2\x80\x99", "\xC2\xBB"}) {  // ” ’ »
    if (word.ends_with(q)) word.remove_suffix(q.size());
  }
  if (word.empty()) return PhraseEnd::kNone;
  const char last = word.back();
  if (last == '.' || last == '!' || last == '?') return PhraseEnd::kSentence;
  if (last == ',' || last == ';' || last == ':') return PhraseEnd::kClause;
  for (std::string_view end : {"\xD8\x9F", "\xE2\x80\xA6", "\xE3\x80\x82", "\xEF\xBC\x9F"}) {
    if (word.ends_with(end)) return PhraseEnd::kSentence;  // ؟ … 。 ？
  }
  for (std::string_view end : {"\xD8\x8C", "\xD8\x9B", "\xE2\x80\x94"}) {
    if (word.ends_with(end)) return PhraseEnd::kClause;  // ، ؛ —
  }
  return PhraseEnd::kNone;
}

std::vector<WordSpan> word_spans(std::string_view text) {
  std::vector<WordSpan> spans;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(static_cast<unsigned char>(text[i]))) ++i;
    if (i == text.size()) break;
    const std::size_t begin = i;
    while (i < text.size() && !is_space(static_cast<unsigned char>(text[i]))) ++i;
    spans.push_back({begin, i});
  }
  return spans;
}

}  // namespace polyvox
