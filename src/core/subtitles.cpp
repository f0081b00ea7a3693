#include "core/subtitles.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/utf8.h"

namespace polyvox {
namespace {

// A word in the file's time.
struct TimedWord {
  std::string text;
  double start_ms;
  double end_ms;
};

// `text` cut into pieces of at most `max` code points (a word longer than a line).
std::vector<std::string> cut_code_points(const std::string& text, std::size_t max) {
  std::vector<std::string> pieces;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t bytes = 0;
    std::size_t points = 0;
    while (bytes < rest.size() && points < max) {
      ++bytes;
      while (bytes < rest.size() && (static_cast<unsigned char>(rest[bytes]) & 0xC0) == 0x80) {
        ++bytes;
      }
      ++points;
    }
    pieces.emplace_back(rest.substr(0, bytes));
    rest.remove_prefix(bytes);
  }
  return pieces;
}

// The words [begin, end) as lines of at most kMaxLineChars, filled greedily.
std::vector<std::string> wrap(const std::vector<TimedWord>& words, std::size_t begin,
                              std::size_t end) {
  std::vector<std::string> lines;
  std::size_t length = 0;
  for (std::size_t i = begin; i < end; ++i) {
    for (const std::string& piece : cut_code_points(words[i].text, kMaxLineChars)) {
      const std::size_t n = utf8_length(piece);
      if (!lines.empty() && length + 1 + n <= kMaxLineChars) {
        lines.back() += " " + piece;
        length += 1 + n;
      } else {
        lines.push_back(piece);
        length = n;
      }
    }
  }
  return lines;
}

bool fits(const std::vector<TimedWord>& words, std::size_t begin, std::size_t end) {
  return wrap(words, begin, end).size() <= kMaxCueLines &&
         words[end - 1].end_ms - words[begin].start_ms <= kMaxCueMs;
}

// Words longer than a whole cue cut into pieces that fit one, their time shared by length.
std::vector<TimedWord> cue_sized(std::vector<TimedWord> words) {
  std::vector<TimedWord> out;
  for (TimedWord& w : words) {
    const auto pieces = cut_code_points(w.text, kMaxLineChars * kMaxCueLines);
    if (pieces.size() == 1) {
      out.push_back(std::move(w));
      continue;
    }
    const double step = (w.end_ms - w.start_ms) / static_cast<double>(pieces.size());
    for (std::size_t k = 0; k < pieces.size(); ++k) {
      out.push_back({pieces[k], w.start_ms + step * static_cast<double>(k),
                     w.start_ms + step * static_cast<double>(k + 1)});
    }
  }
  return out;
}

// The cues of one sentence [begin, end): the whole when it fits, else cut where the first part
// is as long as fits, at a clause end when one lies in its second half.
void add_sentence(const std::vector<TimedWord>& words, std::size_t begin, std::size_t end,
                  std::vector<std::pair<std::size_t, std::size_t>>& out) {
  while (begin < end) {
    std::size_t longest = begin + 1;
    while (longest < end && fits(words, begin, longest + 1)) ++longest;
    std::size_t cut = longest;
    if (longest < end) {
      for (std::size_t k = longest; k > begin + (longest - begin + 1) / 2; --k) {
        if (phrase_end(words[k - 1].text) != PhraseEnd::kNone) {
          cut = k;
          break;
        }
      }
    }
    out.emplace_back(begin, cut);
    begin = cut;
  }
}

std::string escape_vtt(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string timestamp(double ms, char decimal) {
  const auto total = static_cast<long long>(std::llround(std::max(0.0, ms)));
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld%c%03lld", total / 3'600'000,
                total / 60'000 % 60, total / 1000 % 60, decimal, total % 1000);
  return buffer;
}

// Cues of one block, lasting at least kMinCueMs where the block allows: a short sentence is
// joined to the next when both fit one cue, else held longer (up to the end of the block's
// speech; the next cue starts when it ends), else started earlier (down to the end of the cue
// before), else joined to the cue before.
void add_block(const SubtitleBlock& block, std::size_t index, std::vector<Cue>& cues) {
  std::vector<TimedWord> words;
  for (const WordTiming& w : block.words) {
    words.push_back({w.text, block.offset_ms + w.start_ms, block.offset_ms + w.end_ms});
  }
  words = cue_sized(std::move(words));
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  std::size_t sentence = 0;
  for (std::size_t k = 0; k < words.size(); ++k) {
    if (k + 1 == words.size() || phrase_end(words[k].text) == PhraseEnd::kSentence) {
      add_sentence(words, sentence, k + 1, ranges);
      sentence = k + 1;
    }
  }
  const double block_end = block.offset_ms + block.speech_ms;
  const auto lasts = [&](std::size_t begin, std::size_t end) {
    return words[end - 1].end_ms - words[begin].start_ms;
  };
  double not_before = block.offset_ms;  // where the last cue of this block ended
  bool has_before = false;
  std::size_t previous_first = 0;  // the first word of this block's last cue
  for (std::size_t r = 0; r < ranges.size(); ++r) {
    const auto [begin, end] = ranges[r];
    // Too short to read: joined to the next sentence when the two fit one cue.
    if (r + 1 < ranges.size() && lasts(begin, end) < kMinCueMs &&
        fits(words, begin, ranges[r + 1].second)) {
      ranges[r + 1].first = begin;
      continue;
    }
    double start = std::max(words[begin].start_ms, not_before);
    double stop = std::max(words[end - 1].end_ms, start);
    // Held longer, up to the block's end (the next cue then starts later)...
    if (stop - start < kMinCueMs) stop = std::min(start + kMinCueMs, block_end);
    // ... else started earlier, down to the end of the cue before...
    if (stop - start < kMinCueMs) start = std::max(not_before, stop - kMinCueMs);
    // ... else joined to the cue before when the two fit one.
    if (stop - start < kMinCueMs && has_before &&
        wrap(words, previous_first, end).size() <= kMaxCueLines &&
        stop - cues.back().start_ms <= kMaxCueMs) {
      cues.back().end_ms = stop;
      cues.back().lines = wrap(words, previous_first, end);
      not_before = stop;
      continue;
    }
    Cue cue;
    cue.start_ms = start;
    cue.end_ms = std::min(stop, start + kMaxCueMs);
    cue.block = index;
    cue.speaker = block.speaker;
    cue.lines = wrap(words, begin, end);
    not_before = cue.end_ms;
    has_before = true;
    previous_first = begin;
    cues.push_back(std::move(cue));
  }
}

template <typename Header>
std::string render(const std::vector<Cue>& cues, char decimal, Header header) {
  std::string out = header();
  for (std::size_t i = 0; i < cues.size(); ++i) {
    const Cue& cue = cues[i];
    // Whole milliseconds, never empty.
    const double start = std::round(cue.start_ms);
    const double end = std::max(std::round(cue.end_ms), start + 1);
    out += std::to_string(i + 1) + "\n" + timestamp(start, decimal) + " --> " +
           timestamp(end, decimal) + "\n";
    for (std::size_t l = 0; l < cue.lines.size(); ++l) {
      if (decimal == '.') {
        out += (l == 0 ? "<v " + escape_vtt(cue.speaker) + ">" : "") + escape_vtt(cue.lines[l]);
      } else {
        out += cue.lines[l];
      }
      out += "\n";
    }
    out += "\n";
  }
  return out;
}

}  // namespace

Result<std::vector<SubtitleBlock>> subtitle_blocks(std::string_view manifest_json,
                                                   const std::vector<BlockSpec>& blocks) {
  const Error bad{ErrorKind::kInternal, "the job's manifest has no word timings to subtitle", ""};
  const auto doc = nlohmann::json::parse(manifest_json, nullptr, false);
  if (!doc.is_object() || !doc.contains("blocks") || !doc["blocks"].is_array() ||
      doc["blocks"].size() != blocks.size()) {
    return bad;
  }
  std::vector<SubtitleBlock> out;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto& b = doc["blocks"][i];
    if (!b.is_object() || !b.value("offset_ms", nlohmann::json()).is_number() ||
        !b.value("speech_ms", nlohmann::json()).is_number()) {
      return bad;
    }
    SubtitleBlock block;
    block.offset_ms = b["offset_ms"].get<double>();
    block.speech_ms = b["speech_ms"].get<double>();
    const BlockSpec& spec = blocks[i];
    block.speaker = spec.speaker;
    if (block.speaker.empty()) block.speaker = spec.voice;
    if (block.speaker == "default" && b.contains("voice") && b["voice"].is_string()) {
      block.speaker = b["voice"].get<std::string>();
    }
    if (b.contains("words")) {
      const BlockTimings timings = BlockTimings::from_json(
          nlohmann::json{{"timing_source", ""}, {"words", b["words"]}}.dump());
      block.words = timings.words;
    }
    out.push_back(std::move(block));
  }
  return out;
}

std::vector<Cue> make_cues(const std::vector<SubtitleBlock>& blocks) {
  std::vector<Cue> cues;
  for (std::size_t i = 0; i < blocks.size(); ++i) add_block(blocks[i], i, cues);
  return cues;
}

std::string to_webvtt(const std::vector<Cue>& cues) {
  return render(cues, '.', [] { return std::string("WEBVTT\n\n"); });
}

std::string to_srt(const std::vector<Cue>& cues) {
  return render(cues, ',', [] { return std::string(); });
}

}  // namespace polyvox
