#include "audio/loudness.h"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace polyvox::audio {
namespace {

struct Ebur128Destroyer {
  void operator()(ebur128_state* st) const { ebur128_destroy(&st); }
};

double to_db(double linear) {
  return linear > 0.0 ? 20.0 * std::log10(linear) : -std::numeric_limits<double>::infinity();
}

float gain_factor(double gain_db) { return static_cast<float>(std::pow(10.0, gain_db / 20.0)); }

// Look-ahead peak limiter over a stream: every sample ends at or below `ceiling` in magnitude.
// The gain envelope reaches its minimum before a peak (look-ahead window), moves smoothly (moving
// average) and recovers with an exponential release. O(1) time a sample, O(window) memory; the
// output lags the input by delay() samples.
class PeakLimiter {
 public:
  PeakLimiter(float ceiling, int rate)
      : ceiling_(ceiling),
        half_(std::max<std::size_t>(1, static_cast<std::size_t>(rate * 0.0025))),
        hold_(2 * half_),  // min window [i - hold, i + hold]
        delay_(hold_ + half_),
        release_(1.0 - std::exp(-1.0 / (0.060 * rate))),
        ring_(2 * half_ + 1, 1.0f),  // minima for the moving average over [k - half, k + half]
        ring_sum_(static_cast<double>(ring_.size())),
        input_(delay_ + 1) {}

  // Takes the next input sample; true with `out` set once it completes an output sample.
  bool push(float x, float& out) {
    input_[next_ % input_.size()] = x;
    const float a = std::fabs(x);
    return step(a > ceiling_ ? ceiling_ / a : 1.0f, out);
  }

  // Ends the input: the delay() output samples still owed, in order, to `emit`.
  template <typename Emit>
  void finish(Emit emit) {
    for (std::size_t n = 0; n < delay_; ++n) {
      float out = 0.0f;
      if (step(1.0f, out)) emit(out);
    }
  }

 private:
  // Admits the required gain `g` of sample i (1 past the end); completes sample i - delay.
  bool step(float g, float& out) {
    const std::size_t i = next_++;
    // Monotonic deque for the running minimum of required gains over [j - hold, j + hold].
    while (!window_.empty() && window_.back().second >= g) window_.pop_back();
    window_.emplace_back(i, g);
    if (i < hold_) return false;
    // Minimum centred on j = i - hold.
    const std::size_t j = i - hold_;
    while (window_.front().first + 2 * hold_ < i) window_.pop_front();
    const float m = window_.front().second;
    ring_sum_ += m - ring_[j % ring_.size()];
    ring_[j % ring_.size()] = m;
    if (j < half_) return false;
    // Moving average centred on k = j - half, then release.
    const std::size_t k = j - half_;
    const double smoothed = ring_sum_ / static_cast<double>(ring_.size());
    envelope_ = std::min(smoothed, envelope_ + (1.0 - envelope_) * release_);
    // Numerical safety: the envelope guarantees the ceiling up to rounding.
    out =
        std::clamp(static_cast<float>(input_[k % input_.size()] * envelope_), -ceiling_, ceiling_);
    return true;
  }

  const float ceiling_;
  const std::size_t half_;
  const std::size_t hold_;
  const std::size_t delay_;
  const double release_;
  std::deque<std::pair<std::size_t, float>> window_;
  std::vector<float> ring_;
  double ring_sum_;
  double envelope_ = 1.0;
  std::vector<float> input_;  // the last delay + 1 input samples
  std::size_t next_ = 0;      // index of the next step
};

// Loudness (and true peak) of what `stream` gives (one pass over it).
Result<LoudnessMeasurement> measure_stream(const SampleStream& stream, int sample_rate,
                                           bool with_true_peak) {
  auto meter = LoudnessMeter::create(sample_rate, with_true_peak);
  if (!meter) return meter.take_error();
  Status added = Status::success();
  stream([&](std::span<const float> samples) {
    if (added) added = meter->add(samples);
  });
  if (!added) return added.error();
  return meter->finish();
}

// `stream` with `steps` applied (a pass replays them from the start).
SampleStream processed(const SampleStream& stream, std::vector<LoudnessStep> steps,
                       int sample_rate) {
  return [&stream, steps = std::move(steps), sample_rate](const SampleSink& sink) {
    LoudnessProcessor processor(steps, sample_rate);
    std::vector<float> out;
    stream([&](std::span<const float> in) {
      processor.process(in, out);
      if (!out.empty()) sink(out);
    });
    processor.finish(out);
    if (!out.empty()) sink(out);
  };
}

}  // namespace

struct LoudnessMeter::State {
  std::unique_ptr<ebur128_state, Ebur128Destroyer> meter;
  bool with_true_peak = false;
  std::size_t min_samples = 0;  // a second: gating needs 400 ms blocks
  std::size_t fed = 0;
  std::vector<float> head;  // every sample while fewer than min_samples came
};

LoudnessMeter::LoudnessMeter(std::unique_ptr<State> state) : state_(std::move(state)) {}
LoudnessMeter::LoudnessMeter(LoudnessMeter&&) noexcept = default;
LoudnessMeter& LoudnessMeter::operator=(LoudnessMeter&&) noexcept = default;
LoudnessMeter::~LoudnessMeter() = default;

Result<LoudnessMeter> LoudnessMeter::create(int sample_rate, bool with_true_peak) {
  const int mode = EBUR128_MODE_I | (with_true_peak ? EBUR128_MODE_TRUE_PEAK : 0);
  auto state = std::make_unique<State>();
  state->meter.reset(ebur128_init(1, static_cast<unsigned long>(std::max(sample_rate, 1)), mode));
  if (!state->meter) return Error{ErrorKind::kInternal, "cannot initialize the loudness meter", ""};
  state->with_true_peak = with_true_peak;
  state->min_samples = static_cast<std::size_t>(std::max(sample_rate, 1));
  return LoudnessMeter(std::move(state));
}

Status LoudnessMeter::add(std::span<const float> samples) {
  if (samples.empty()) return Status::success();
  State& st = *state_;
  if (ebur128_add_frames_float(st.meter.get(), samples.data(), samples.size()) != EBUR128_SUCCESS) {
    return Error{ErrorKind::kInternal, "loudness measurement failed", ""};
  }
  st.fed += samples.size();
  if (st.fed < st.min_samples) {
    st.head.insert(st.head.end(), samples.begin(), samples.end());
  } else if (!st.head.empty()) {
    std::vector<float>().swap(st.head);  // long enough: never replayed
  }
  return Status::success();
}

Result<LoudnessMeasurement> LoudnessMeter::finish() {
  State& st = *state_;
  // A clip shorter than a second is passed over again until the meter has had one.
  for (std::size_t fed = st.fed; !st.head.empty() && fed < st.min_samples; fed += st.head.size()) {
    if (ebur128_add_frames_float(st.meter.get(), st.head.data(), st.head.size()) !=
        EBUR128_SUCCESS) {
      return Error{ErrorKind::kInternal, "loudness measurement failed", ""};
    }
  }
  LoudnessMeasurement m;
  double integrated = 0.0;
  if (ebur128_loudness_global(st.meter.get(), &integrated) != EBUR128_SUCCESS) {
    return Error{ErrorKind::kInternal, "loudness measurement failed", ""};
  }
  m.integrated_lufs =
      std::isfinite(integrated) ? integrated : -std::numeric_limits<double>::infinity();
  m.true_peak_dbtp = -std::numeric_limits<double>::infinity();
  if (st.with_true_peak) {
    double peak = 0.0;
    if (ebur128_true_peak(st.meter.get(), 0, &peak) != EBUR128_SUCCESS) {
      return Error{ErrorKind::kInternal, "true-peak measurement failed", ""};
    }
    m.true_peak_dbtp = to_db(peak);
  }
  return m;
}

struct LoudnessProcessor::State {
  std::vector<LoudnessStep> steps;
  std::vector<std::optional<PeakLimiter>> limiters;  // one per kLimit step, by step

  // Takes `x` through the steps from `first` on; appends the result to `out` unless a limiter
  // holds it back.
  void run(float x, std::size_t first, std::vector<float>& out) {
    for (std::size_t s = first; s < steps.size(); ++s) {
      if (steps[s].kind == LoudnessStep::Kind::kGain) {
        x *= steps[s].value;
      } else if (!limiters[s]->push(x, x)) {
        return;
      }
    }
    out.push_back(x);
  }
};

LoudnessProcessor::LoudnessProcessor(std::vector<LoudnessStep> steps, int sample_rate)
    : state_(std::make_unique<State>()) {
  state_->limiters.resize(steps.size());
  for (std::size_t s = 0; s < steps.size(); ++s) {
    if (steps[s].kind == LoudnessStep::Kind::kLimit) {
      state_->limiters[s].emplace(steps[s].value, sample_rate);
    }
  }
  state_->steps = std::move(steps);
}
LoudnessProcessor::LoudnessProcessor(LoudnessProcessor&&) noexcept = default;
LoudnessProcessor::~LoudnessProcessor() = default;

void LoudnessProcessor::process(std::span<const float> in, std::vector<float>& out) {
  out.clear();
  for (float x : in) state_->run(x, 0, out);
}

void LoudnessProcessor::finish(std::vector<float>& out) {
  out.clear();
  // Each limiter's tail goes on through the later steps before the next limiter is flushed.
  for (std::size_t s = 0; s < state_->steps.size(); ++s) {
    if (!state_->limiters[s]) continue;
    state_->limiters[s]->finish([&](float y) { state_->run(y, s + 1, out); });
  }
}

Result<LoudnessMeasurement> measure_loudness(std::span<const float> samples, int sample_rate,
                                             bool with_true_peak) {
  return measure_stream([samples](const SampleSink& sink) { sink(samples); }, sample_rate,
                        with_true_peak);
}

Result<LoudnessPlan> plan_loudness(const SampleStream& stream, int sample_rate,
                                   const LoudnessTarget& target) {
  LoudnessPlan plan;
  LoudnessReport& report = plan.report;
  // The true peak is expensive (4x oversampling): measure the loudness alone first, apply the
  // gain, keep sample peaks under a ceiling with a margin for inter-sample overs, and only then
  // check the true peak, tightening the ceiling in the rare case the margin was not enough.
  auto input = measure_stream(stream, sample_rate, false);
  if (!input) return input.take_error();
  report.input_lufs = input->integrated_lufs;
  report.output = *input;
  if (!std::isfinite(input->integrated_lufs)) return plan;  // silence: nothing to do

  const double kTolerance = target.tolerance_lu;
  constexpr int kMaxRounds = 4;
  report.gain_db = target.integrated_lufs - input->integrated_lufs;
  plan.steps.push_back({LoudnessStep::Kind::kGain, gain_factor(report.gain_db)});
  double ceiling_db = target.max_true_peak_dbtp - 0.5;
  auto limit_if_needed = [&] {
    const auto ceiling = static_cast<float>(std::pow(10.0, ceiling_db / 20.0));
    bool over = false;
    processed(stream, plan.steps, sample_rate)([&](std::span<const float> samples) {
      over = over || std::any_of(samples.begin(), samples.end(),
                                 [&](float s) { return std::fabs(s) > ceiling; });
    });
    if (over) {
      plan.steps.push_back({LoudnessStep::Kind::kLimit, ceiling});
      report.limited = true;
    }
  };
  limit_if_needed();
  for (int round = 0; round < kMaxRounds; ++round) {
    auto m = measure_stream(processed(stream, plan.steps, sample_rate), sample_rate, true);
    if (!m) return m.take_error();
    report.output = *m;
    if (m->true_peak_dbtp > target.max_true_peak_dbtp) {
      ceiling_db -= m->true_peak_dbtp - target.max_true_peak_dbtp + 0.2;
    } else if (m->integrated_lufs < target.integrated_lufs - kTolerance) {
      // Limiting took loudness away: make it up, then limit again.
      plan.steps.push_back(
          {LoudnessStep::Kind::kGain, gain_factor(target.integrated_lufs - m->integrated_lufs)});
    } else {
      break;
    }
    limit_if_needed();
  }
  return plan;
}

namespace {

// `steps` applied to `samples` in place: the processor's output never runs ahead of its input.
void apply_in_place(std::vector<float>& samples, std::vector<LoudnessStep> steps, int rate) {
  LoudnessProcessor processor(std::move(steps), rate);
  std::vector<float> out;
  std::size_t written = 0;
  constexpr std::size_t kChunk = 1 << 13;
  for (std::size_t at = 0; at < samples.size(); at += kChunk) {
    processor.process(
        std::span<const float>(samples).subspan(at, std::min(kChunk, samples.size() - at)), out);
    std::copy(out.begin(), out.end(), samples.begin() + static_cast<std::ptrdiff_t>(written));
    written += out.size();
  }
  processor.finish(out);
  std::copy(out.begin(), out.end(), samples.begin() + static_cast<std::ptrdiff_t>(written));
}

void apply_gain(std::vector<float>& x, double gain_db) {
  const float factor = gain_factor(gain_db);
  for (float& s : x) s *= factor;
}

// Limits the peaks of `x` to `ceiling_db` (dBFS) when any sample is above it; true when it did.
bool limit_to(std::vector<float>& x, double ceiling_db, int rate) {
  const auto ceiling = static_cast<float>(std::pow(10.0, ceiling_db / 20.0));
  const bool over =
      std::any_of(x.begin(), x.end(), [&](float s) { return std::fabs(s) > ceiling; });
  if (over) apply_in_place(x, {{LoudnessStep::Kind::kLimit, ceiling}}, rate);
  return over;
}

// RMS in dBFS of `x` followed by `silent` samples of silence.
double rms_db(std::span<const float> x, int64_t silent) {
  double energy = 0.0;
  for (float s : x) energy += static_cast<double>(s) * s;
  const double n = static_cast<double>(x.size()) + static_cast<double>(silent);
  return n > 0 && energy > 0 ? 10.0 * std::log10(energy / n)
                             : -std::numeric_limits<double>::infinity();
}

}  // namespace

Result<LoudnessReport> normalize_loudness(PcmBuffer& pcm, const LoudnessTarget& target) {
  std::vector<float>& samples = pcm.samples;
  auto plan =
      plan_loudness([&samples](const SampleSink& sink) { sink(samples); }, pcm.sample_rate, target);
  if (!plan) return plan.take_error();
  apply_in_place(samples, std::move(plan->steps), pcm.sample_rate);
  return plan->report;
}

Result<LoudnessReport> normalize_loudness_padded(PcmBuffer& pcm, std::size_t before,
                                                 std::size_t after, const LoudnessTarget& target) {
  static constexpr std::size_t kChunk = 1 << 13;
  static const std::vector<float> kSilence(kChunk, 0.0f);
  std::vector<float>& samples = pcm.samples;
  auto silence = [](std::size_t n, const SampleSink& sink) {
    for (std::size_t left = n; left > 0; left -= std::min(left, kChunk)) {
      sink(std::span<const float>(kSilence).first(std::min(left, kChunk)));
    }
  };
  const SampleStream padded = [&](const SampleSink& sink) {
    silence(before, sink);
    for (std::size_t at = 0; at < samples.size(); at += kChunk) {
      sink(std::span<const float>(samples).subspan(at, std::min(kChunk, samples.size() - at)));
    }
    silence(after, sink);
  };
  auto plan = plan_loudness(padded, pcm.sample_rate, target);
  if (!plan) return plan.take_error();
  // The processor's output lags its input: each output sample lands where its input was read
  // already, so `samples` is written in place.
  LoudnessProcessor processor(std::move(plan->steps), pcm.sample_rate);
  std::vector<float> out;
  std::size_t emitted = 0;  // samples of the padded whole output so far
  auto keep = [&] {
    for (float y : out) {
      if (emitted >= before && emitted - before < samples.size()) samples[emitted - before] = y;
      ++emitted;
    }
  };
  padded([&](std::span<const float> in) {
    processor.process(in, out);
    keep();
  });
  processor.finish(out);
  keep();
  return plan->report;
}

Result<LoudnessReport> normalize_rms(PcmBuffer& pcm, const RmsTarget& target) {
  LoudnessReport report;
  const double input = rms_db(pcm.samples, target.silent_samples);
  report.input_lufs = input;
  if (!std::isfinite(input)) return report;  // silence: nothing to do
  // Gain and limiting in turns until the limiter no longer takes the RMS below the target
  // (cheap: sample peaks only), then the true peak checked, tightening the ceiling if needed.
  constexpr int kMaxRounds = 12;
  constexpr int kMaxCeilingPasses = 3;
  report.gain_db = target.rms_db - input;
  apply_gain(pcm.samples, report.gain_db);
  double ceiling_db = target.max_true_peak_dbtp - 0.5;
  for (int pass = 0; pass < kMaxCeilingPasses; ++pass) {
    report.limited |= limit_to(pcm.samples, ceiling_db, pcm.sample_rate);
    for (int round = 0; round < kMaxRounds; ++round) {
      const double rms = rms_db(pcm.samples, target.silent_samples);
      if (rms >= target.rms_db - target.tolerance_db) break;
      apply_gain(pcm.samples, target.rms_db - rms);  // limiting took energy away: make it up
      report.limited |= limit_to(pcm.samples, ceiling_db, pcm.sample_rate);
    }
    auto m = measure_loudness(pcm.samples, pcm.sample_rate, true);
    if (!m) return m.take_error();
    report.output = *m;
    if (m->true_peak_dbtp <= target.max_true_peak_dbtp) break;
    ceiling_db -= m->true_peak_dbtp - target.max_true_peak_dbtp + 0.2;
  }
  return report;
}

}  // namespace polyvox::audio
