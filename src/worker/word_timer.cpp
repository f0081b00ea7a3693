#include "worker/word_timer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "worker/block_renderer.h"

namespace polyvox {
namespace {

// Letters a word takes time to speak, at least 1 so that every word has some length.
double weight_of(std::string_view word) {
  return static_cast<double>(std::max<std::size_t>(1, spoken_letters(word)));
}

// The words of `written` with the times of `spoken_words` (the words of the spoken text): one
// for one when both have as many words (diacritization adds marks, not words), else each written
// word spans the spoken words proportionally in its place.
std::vector<WordTiming> onto_written(const std::vector<WordTiming>& spoken_words,
                                     std::string_view written) {
  const std::vector<WordSpan> spans = word_spans(written);
  std::vector<WordTiming> out;
  out.reserve(spans.size());
  const std::size_t n = spoken_words.size();
  for (std::size_t j = 0; j < spans.size(); ++j) {
    WordTiming w;
    w.text = std::string(written.substr(spans[j].begin, spans[j].end - spans[j].begin));
    if (n > 0) {
      const std::size_t first = std::min(n - 1, j * n / spans.size());
      // The spoken words before the next written word's first (none past `first` when more words
      // are written than spoken).
      const std::size_t upto = (j + 1) * n / spans.size();
      const std::size_t last = upto == 0 ? first : std::max(first, std::min(n - 1, upto - 1));
      w.start_ms = spoken_words[first].start_ms;
      w.end_ms = std::max(w.start_ms, spoken_words[last].end_ms);
    }
    out.push_back(std::move(w));
  }
  for (std::size_t j = 1; j < out.size(); ++j) {
    out[j].start_ms = std::max(out[j].start_ms, out[j - 1].start_ms);
    out[j - 1].end_ms = std::clamp(out[j - 1].end_ms, out[j - 1].start_ms, out[j].start_ms);
  }
  return out;
}

// Fills unknown starts (nullopt) between known ones by the words' letters, ends from the next
// start, and bounds every time to [0, speech_ms].
std::vector<WordTiming> complete(std::string_view text, const std::vector<WordSpan>& spans,
                                 std::vector<std::optional<double>> starts,
                                 const std::vector<std::optional<double>>& ends, double speech_ms,
                                 double first_sound_ms = 0.0) {
  const std::size_t n = spans.size();
  std::vector<double> weight(n);
  for (std::size_t k = 0; k < n; ++k) {
    weight[k] = weight_of(text.substr(spans[k].begin, spans[k].end - spans[k].begin));
  }
  // Known starts never go back.
  double floor_ms = 0.0;
  for (auto& s : starts) {
    if (!s) continue;
    s = std::clamp(*s, floor_ms, speech_ms);
    floor_ms = *s;
  }
  std::vector<double> start(n);
  std::size_t k = 0;
  while (k < n) {
    if (starts[k]) {
      start[k] = *starts[k];
      ++k;
      continue;
    }
    // A run [k, m) of unknown starts between the known start before (or the first sound) and
    // the known start after (or the end of the speech).
    std::size_t m = k;
    while (m < n && !starts[m]) ++m;
    const double from = k == 0 ? first_sound_ms : start[k - 1];
    // The run's sound ends where its last word is known to end, else where the next starts.
    double to = m == n ? speech_ms : *starts[m];
    if (ends[m - 1] && *ends[m - 1] > from) to = std::min(to, *ends[m - 1]);
    double total = 0.0;
    for (std::size_t i = (k == 0 ? k : k - 1); i < m; ++i) total += weight[i];
    double done = k == 0 ? 0.0 : weight[k - 1];
    for (std::size_t i = k; i < m; ++i) {
      start[i] = from + (to - from) * (total > 0 ? done / total : 0.0);
      done += weight[i];
    }
    k = m;
  }
  std::vector<WordTiming> words(n);
  for (std::size_t i = 0; i < n; ++i) {
    words[i].text = std::string(text.substr(spans[i].begin, spans[i].end - spans[i].begin));
    words[i].start_ms = std::clamp(start[i], 0.0, speech_ms);
    const double next = i + 1 < n ? std::clamp(start[i + 1], 0.0, speech_ms) : speech_ms;
    const double end = ends[i] && *ends[i] > words[i].start_ms ? *ends[i] : next;
    words[i].end_ms = std::clamp(end, words[i].start_ms, std::max(words[i].start_ms, next));
  }
  return words;
}

// --- pauses in audio ---------------------------------------------------------------------------

constexpr double kFrameMs = 10.0;
// A pause: at least this long below the quiet threshold.
constexpr double kMinPauseMs = 120.0;
// Quiet: a frame this far below the loudest frame (and below an absolute floor).
constexpr double kQuietBelowPeakDb = 30.0;

struct Interval {
  double begin_ms;
  double end_ms;
};

// The pauses inside the speech (not before its first or after its last sound) and the first and
// last sound.
struct Pauses {
  std::vector<Interval> inside;
  double first_sound_ms = 0.0;
  double last_sound_ms = 0.0;
};

Pauses find_pauses(std::span<const float> speech, int sample_rate) {
  Pauses out;
  const auto frame = static_cast<std::size_t>(std::max(1.0, kFrameMs * sample_rate / 1000.0));
  // The frame's true length: 220 samples at 22,050 Hz are 9.977 ms, not 10 (0.23% a frame, 70 ms
  // after 30 s of speech).
  const double frame_ms = 1000.0 * static_cast<double>(frame) / sample_rate;
  const std::size_t frames = speech.size() / frame;
  std::vector<double> db(frames);
  double peak = -std::numeric_limits<double>::infinity();
  for (std::size_t f = 0; f < frames; ++f) {
    double sum = 0.0;
    for (std::size_t i = f * frame; i < (f + 1) * frame; ++i) sum += double(speech[i]) * speech[i];
    db[f] = 10.0 * std::log10(sum / static_cast<double>(frame) + 1e-12);
    peak = std::max(peak, db[f]);
  }
  if (frames == 0) return out;
  const double quiet = peak - kQuietBelowPeakDb;
  std::size_t first = 0;
  while (first < frames && db[first] <= quiet) ++first;
  std::size_t last = frames;
  while (last > first && db[last - 1] <= quiet) --last;
  out.first_sound_ms = static_cast<double>(first) * frame_ms;
  out.last_sound_ms = static_cast<double>(last) * frame_ms;
  const auto min_frames = static_cast<std::size_t>(std::lround(kMinPauseMs / frame_ms));
  std::size_t f = first;
  while (f < last) {
    if (db[f] > quiet) {
      ++f;
      continue;
    }
    const std::size_t begin = f;
    while (f < last && db[f] <= quiet) ++f;
    if (f - begin >= min_frames) {
      out.inside.push_back(
          {static_cast<double>(begin) * frame_ms, static_cast<double>(f) * frame_ms});
    }
  }
  return out;
}

// Which pause each phrase boundary falls in (an index into `pauses`, or -1 for none): the
// alignment in order that costs least, where a matched boundary costs the square of its distance
// from where its letters put it, and a boundary left without a pause a fixed amount (more for a
// sentence end than for a clause).
std::vector<int> align(const std::vector<double>& expected, const std::vector<bool>& sentence,
                       const std::vector<Interval>& pauses, double speech_ms) {
  const std::size_t b = expected.size();
  const std::size_t p = pauses.size();
  const double scale = std::max(1.0, speech_ms);
  const auto unmatched = [&](std::size_t i) { return sentence[i] ? 0.09 : 0.02; };
  const auto matched = [&](std::size_t i, std::size_t j) {
    const double mid = (pauses[j].begin_ms + pauses[j].end_ms) / 2.0;
    const double d = (expected[i] - mid) / scale;
    return d * d;
  };
  // cost[i][j]: best cost of boundaries [0, i) using pauses [0, j); a pause may stay unused
  // (a breath inside a phrase) at a small cost.
  constexpr double kUnusedPause = 0.005;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> cost(b + 1, std::vector<double>(p + 1, inf));
  std::vector<std::vector<int>> step(b + 1, std::vector<int>(p + 1, 0));
  cost[0][0] = 0.0;
  for (std::size_t i = 0; i <= b; ++i) {
    for (std::size_t j = 0; j <= p; ++j) {
      if (i == 0 && j == 0) continue;
      double best = inf;
      int how = 0;
      if (i > 0 && j > 0 && cost[i - 1][j - 1] + matched(i - 1, j - 1) < best) {
        best = cost[i - 1][j - 1] + matched(i - 1, j - 1);
        how = 1;
      }
      if (i > 0 && cost[i - 1][j] + unmatched(i - 1) < best) {
        best = cost[i - 1][j] + unmatched(i - 1);
        how = 2;
      }
      if (j > 0 && cost[i][j - 1] + kUnusedPause < best) {
        best = cost[i][j - 1] + kUnusedPause;
        how = 3;
      }
      cost[i][j] = best;
      step[i][j] = how;
    }
  }
  std::vector<int> match(b, -1);
  std::size_t i = b;
  std::size_t j = p;
  while (i > 0 || j > 0) {
    const int how = step[i][j];
    if (how == 1) {
      match[--i] = static_cast<int>(--j);
    } else if (how == 2) {
      --i;
    } else {
      --j;
    }
  }
  return match;
}

}  // namespace

void move_marks(SpeechMarks& marks, double shift_ms, double tempo, std::size_t text_offset) {
  for (WordMark& m : marks.marks) {
    m.begin += text_offset;
    m.end += text_offset;
    m.start_ms = std::max(0.0, (m.start_ms + shift_ms) / tempo);
    if (m.end_ms >= 0) m.end_ms = std::max(0.0, (m.end_ms + shift_ms) / tempo);
  }
}

BlockTimings timings_from_marks(const SpeechMarks& marks, std::string_view spoken,
                                std::string_view written, double speech_ms) {
  const std::vector<WordSpan> spans = word_spans(spoken);
  std::vector<std::optional<double>> starts(spans.size());
  std::vector<std::optional<double>> ends(spans.size());
  // Marks come in text order; each word takes the earliest start and latest end of the marks
  // that touch it.
  std::size_t k = 0;
  for (const WordMark& m : marks.marks) {
    while (k < spans.size() && spans[k].end <= m.begin) ++k;
    for (std::size_t i = k; i < spans.size() && spans[i].begin < std::max(m.end, m.begin + 1);
         ++i) {
      if (spans[i].end <= m.begin) continue;
      starts[i] = starts[i] ? std::min(*starts[i], m.start_ms) : m.start_ms;
      if (m.end_ms >= 0) ends[i] = ends[i] ? std::max(*ends[i], m.end_ms) : m.end_ms;
    }
  }
  BlockTimings out;
  out.source = marks.source;
  out.words = onto_written(complete(spoken, spans, std::move(starts), ends, speech_ms), written);
  return out;
}

BlockTimings timings_from_audio(std::span<const float> speech, int sample_rate,
                                std::string_view spoken, std::string_view written) {
  const double speech_ms =
      sample_rate > 0 ? 1000.0 * static_cast<double>(speech.size()) / sample_rate : 0.0;
  const std::vector<WordSpan> spans = word_spans(spoken);
  const Pauses pauses = find_pauses(speech, sample_rate);
  // Phrase boundaries: after each word that ends a sentence or clause (not the last word).
  std::vector<std::size_t> boundary_word;  // the first word of the next phrase
  std::vector<bool> sentence;
  std::vector<double> expected;
  double total = 0.0;
  std::vector<double> before(spans.size() + 1, 0.0);
  for (std::size_t k = 0; k < spans.size(); ++k) {
    before[k + 1] =
        before[k] + weight_of(spoken.substr(spans[k].begin, spans[k].end - spans[k].begin));
  }
  total = before.back();
  const double sound_ms = std::max(0.0, pauses.last_sound_ms - pauses.first_sound_ms);
  double paused = 0.0;
  for (const Interval& p : pauses.inside) paused += p.end_ms - p.begin_ms;
  for (std::size_t k = 0; k + 1 < spans.size(); ++k) {
    const PhraseEnd end = phrase_end(spoken.substr(spans[k].begin, spans[k].end - spans[k].begin));
    if (end == PhraseEnd::kNone) continue;
    boundary_word.push_back(k + 1);
    sentence.push_back(end == PhraseEnd::kSentence);
    // Where the letters put it, with the pauses spread evenly over the boundaries.
    expected.push_back(pauses.first_sound_ms +
                       (sound_ms - paused) * (total > 0 ? before[k + 1] / total : 0.0) +
                       paused * static_cast<double>(expected.size() + 0.5) /
                           static_cast<double>(std::max<std::size_t>(1, pauses.inside.size())));
  }
  const std::vector<int> match = align(expected, sentence, pauses.inside, speech_ms);
  // Known starts: the first word at the first sound, each matched phrase at its pause's end;
  // ends: the word before a matched pause ends where the pause begins.
  std::vector<std::optional<double>> starts(spans.size());
  std::vector<std::optional<double>> ends(spans.size());
  if (!spans.empty()) starts[0] = pauses.first_sound_ms;
  for (std::size_t i = 0; i < boundary_word.size(); ++i) {
    if (match[i] < 0) continue;
    const Interval& pause = pauses.inside[static_cast<std::size_t>(match[i])];
    starts[boundary_word[i]] = pause.end_ms;
    ends[boundary_word[i] - 1] = pause.begin_ms;
  }
  if (!spans.empty()) ends.back() = pauses.last_sound_ms;
  BlockTimings out;
  out.source = std::string(kTimingFromAudio);
  out.words = onto_written(
      complete(spoken, spans, std::move(starts), ends, speech_ms, pauses.first_sound_ms), written);
  return out;
}

}  // namespace polyvox
