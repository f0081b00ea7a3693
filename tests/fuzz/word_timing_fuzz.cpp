// Word timings and subtitles (core/word_timing.h, worker/word_timer.h, core/subtitles.h,
// providers/word_alignment.h) on arbitrary input: a block's text, then (after a NUL) bytes that
// are read three ways: as the JSON text both stores and the audio cache keep (SpeechMarks and
// BlockTimings, which must read back what they write), as vendor timestamps (timed words or
// characters, as Kokoro-FastAPI and ElevenLabs send them) and as raw marks and audio. Whatever
// they hold, the timings keep their contract (one timing per written word, starts in order,
// times within the speech, each word ending before the next starts) and the subtitles made from
// them keep the cue rules (at most 2 lines of at most 42 characters, at most 7 s, in order,
// never across a block's speech) and are valid UTF-8.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/subtitles.h"
#include "core/utf8.h"
#include "core/word_timing.h"
#include "fuzz_check.h"
#include "providers/word_alignment.h"
#include "worker/word_timer.h"

using polyvox::fuzz::check;

namespace {

constexpr double kEpsilonMs = 1e-6;

// Reads the bytes of `data` in order, then zeros.
class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}
  unsigned next() { return at_ < data_.size() ? static_cast<unsigned char>(data_[at_++]) : 0u; }
  bool done() const { return at_ >= data_.size(); }

 private:
  std::string_view data_;
  std::size_t at_ = 0;
};

void check_timings(const polyvox::BlockTimings& t, std::string_view written, double speech_ms) {
  check(t.words.size() == polyvox::word_spans(written).size(), "one timing per written word");
  double last_start = 0.0;
  for (std::size_t i = 0; i < t.words.size(); ++i) {
    const polyvox::WordTiming& w = t.words[i];
    check(std::isfinite(w.start_ms) && std::isfinite(w.end_ms), "times are finite");
    check(w.start_ms >= -kEpsilonMs && w.end_ms <= speech_ms + kEpsilonMs,
          "times within the speech");
    check(w.start_ms <= w.end_ms + kEpsilonMs, "a word ends after it starts");
    check(w.start_ms + kEpsilonMs >= last_start, "starts never go back");
    if (i + 1 < t.words.size()) {
      check(w.end_ms <= t.words[i + 1].start_ms + kEpsilonMs, "a word ends before the next");
    }
    last_start = w.start_ms;
  }
}

void check_cues(const std::vector<polyvox::SubtitleBlock>& blocks) {
  const std::vector<polyvox::Cue> cues = polyvox::make_cues(blocks);
  double previous_end = 0.0;
  for (const polyvox::Cue& cue : cues) {
    check(cue.block < blocks.size(), "a cue names one of the blocks");
    const polyvox::SubtitleBlock& b = blocks[cue.block];
    check(cue.start_ms + kEpsilonMs >= b.offset_ms, "a cue starts within its block");
    check(cue.end_ms <= b.offset_ms + b.speech_ms + kEpsilonMs, "a cue ends within its block");
    check(cue.start_ms <= cue.end_ms + kEpsilonMs, "a cue ends after it starts");
    check(cue.end_ms - cue.start_ms <= polyvox::kMaxCueMs + kEpsilonMs, "a cue lasts at most 7 s");
    check(cue.start_ms + kEpsilonMs >= previous_end, "cues do not overlap");
    check(!cue.lines.empty() && cue.lines.size() <= polyvox::kMaxCueLines, "1 or 2 lines");
    for (const std::string& line : cue.lines) {
      check(polyvox::is_valid_utf8(line), "lines are valid UTF-8");
      check(polyvox::utf8_length(line) <= polyvox::kMaxLineChars, "lines of at most 42");
    }
    previous_end = cue.end_ms;
  }
  check(polyvox::is_valid_utf8(polyvox::to_webvtt(cues)), "WebVTT is valid UTF-8");
  check(polyvox::is_valid_utf8(polyvox::to_srt(cues)), "SubRip is valid UTF-8");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  const std::string_view rest = nul == std::string_view::npos ? "" : input.substr(nul + 1);
  if (!polyvox::is_valid_utf8(text)) return 0;  // block texts are validated when submitted

  // The stored forms read back what they write.
  const polyvox::SpeechMarks stored_marks = polyvox::SpeechMarks::from_json(rest, text.size());
  for (const polyvox::WordMark& m : stored_marks.marks) {
    check(m.begin <= m.end && m.end <= text.size(), "stored marks lie in the text");
  }
  if (!stored_marks.source.empty()) {
    check(polyvox::SpeechMarks::from_json(stored_marks.to_json(), text.size()) == stored_marks,
          "SpeechMarks read back what they write");
  }
  const polyvox::BlockTimings stored = polyvox::BlockTimings::from_json(rest);
  const polyvox::BlockTimings once = polyvox::BlockTimings::from_json(stored.to_json());
  check(polyvox::BlockTimings::from_json(once.to_json()) == once,
        "BlockTimings read back what they write");

  // Vendor timestamps: entries of 1..4 bytes of the text (or of the bytes after the NUL), with
  // times the input chooses, some out of order, negative or not finite.
  Bytes bytes(rest);
  std::vector<polyvox::TimedText> entries;
  double t = 0.0;
  while (!bytes.done() && entries.size() < 64) {
    const unsigned pick = bytes.next();
    const unsigned length = 1 + bytes.next() % 4;
    const unsigned at = bytes.next() * 256 + bytes.next();
    std::string piece;
    if (!text.empty() && pick % 2 == 0) {
      const std::size_t from = at % text.size();
      piece = std::string(text.substr(from, length));
    } else {
      piece = std::string(rest.substr(at % (rest.size() + 1), length));
    }
    const unsigned step = bytes.next();
    double start = t + step;
    if (pick % 17 == 1) start = -start;
    if (pick % 23 == 2) start = std::nan("");
    if (pick % 29 == 3) start = INFINITY;
    const double end = pick % 7 == 4 ? start - 5.0 : start + bytes.next();
    entries.push_back({std::move(piece), start / 1000.0, end / 1000.0});
    t = std::isfinite(start) && start > t ? start : t;
  }
  for (const std::size_t window : {std::size_t{4}, std::size_t{16}, std::size_t{1} << 20}) {
    const polyvox::SpeechMarks marks =
        polyvox::marks_from_timed_text("fuzz", text, entries, window);
    double last = 0.0;
    std::size_t last_end = 0;
    for (const polyvox::WordMark& m : marks.marks) {
      check(m.begin < m.end && m.end <= text.size(), "vendor marks lie in the text");
      check(m.begin >= last_end, "vendor marks follow the text in order");
      check(std::isfinite(m.start_ms) && m.start_ms >= 0.0, "vendor mark times are usable");
      check(m.start_ms + kEpsilonMs >= last, "vendor mark times in order");
      last = m.start_ms;
      last_end = m.end;
    }
    // Through the block pipeline's step: the trimmed speech lasts as long as the input says.
    const double speech_ms = 1.0 + (bytes.next() * 256 + bytes.next()) % 60000;
    polyvox::SpeechMarks moved = marks;
    polyvox::move_marks(moved, -static_cast<double>(bytes.next()), 0.5 + bytes.next() / 64.0);
    const polyvox::BlockTimings timings = polyvox::timings_from_marks(moved, text, text, speech_ms);
    check_timings(timings, text, speech_ms);

    // Two blocks with the same words, the second after a pause, and a third with no words.
    std::vector<polyvox::SubtitleBlock> blocks(3);
    blocks[0] = {0.0, speech_ms, "A <speaker> & co", timings.words};
    blocks[1] = {speech_ms + bytes.next() * 10.0, speech_ms, "", timings.words};
    blocks[2] = {blocks[1].offset_ms + speech_ms, 0.0, "", {}};
    check_cues(blocks);
  }

  // From the audio: a signal whose loud and silent stretches the input chooses.
  std::vector<float> audio;
  Bytes shape(rest);
  constexpr int kRate = 8000;                     // low, and at most 8 s: thousands of inputs a
  constexpr std::size_t kMaxSamples = kRate * 8;  // second keep the fuzzer useful
  while (!shape.done() && audio.size() < kMaxSamples) {
    const unsigned kind = shape.next();
    const std::size_t n = (1 + shape.next()) * 40;
    for (std::size_t i = 0; i < n; ++i) {
      audio.push_back(kind % 3 == 0 ? 0.0f : 0.3f * std::sin(static_cast<float>(i) * 0.2f));
    }
  }
  const double audio_ms = static_cast<double>(audio.size()) * 1000.0 / kRate;
  const polyvox::BlockTimings heard = polyvox::timings_from_audio(audio, kRate, text, text);
  check_timings(heard, text, audio_ms);
  if (audio_ms > 0) check_cues({{0.0, audio_ms, "", heard.words}});
  return 0;
}
