#include "audio/file_loudness.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "audio/loudness.h"

namespace polyvox::audio {
namespace {

double energy_db(double energy, std::size_t n) {
  return n > 0 && energy > 0 ? 10.0 * std::log10(energy / static_cast<double>(n))
                             : -std::numeric_limits<double>::infinity();
}

}  // namespace

FileLoudnessMeter::FileLoudnessMeter(LoudnessMeter r128, int sample_rate)
    : r128_(std::move(r128)),
      sample_rate_(sample_rate),
      silence_threshold_(static_cast<float>(std::pow(10.0, kSilenceDbfs / 20.0))),
      window_(std::max<std::size_t>(
          1, static_cast<std::size_t>(static_cast<int64_t>(sample_rate) * kNoiseWindowMs / 1000))) {
}

Result<FileLoudnessMeter> FileLoudnessMeter::create(int sample_rate) {
  auto r128 = LoudnessMeter::create(sample_rate, true);
  if (!r128) return r128.take_error();
  return FileLoudnessMeter(std::move(r128.value()), sample_rate);
}

Status FileLoudnessMeter::add(std::span<const float> samples) {
  if (Status s = r128_.add(samples); !s) return s;
  const std::size_t window = window_.size();
  for (float s : samples) {
    const double square = static_cast<double>(s) * s;
    energy_ += square;
    // The quietest window by a running sum: the same additions, in the same order, as summing
    // each window of the whole.
    float& oldest = window_[count_ % window];
    if (count_ < window) {
      window_energy_ += square;
    } else {
      window_energy_ += square - static_cast<double>(oldest) * oldest;
      // rounding must not go below silence
      lowest_window_energy_ = std::min(lowest_window_energy_, std::max(window_energy_, 0.0));
    }
    oldest = s;
    if (count_ + 1 == window) lowest_window_energy_ = window_energy_;
    if (std::fabs(s) >= silence_threshold_) {
      if (!any_loud_) first_loud_ = count_;
      any_loud_ = true;
      last_loud_ = count_;
    }
    ++count_;
  }
  return Status::success();
}

Result<FileLoudness> FileLoudnessMeter::finish() {
  auto r128 = r128_.finish();
  if (!r128) return r128.take_error();
  FileLoudness m;
  m.integrated_lufs = r128->integrated_lufs;
  m.true_peak_dbtp = r128->true_peak_dbtp;
  m.rms_db = energy_db(energy_, count_);
  const std::size_t window = window_.size();
  m.noise_floor_db =
      count_ <= window
          ? energy_db(window_energy_, count_)
          : energy_db(lowest_window_energy_ < 1e-18 ? 0.0 : lowest_window_energy_, window);
  const auto to_ms = [this](std::size_t n) {
    return static_cast<int>(static_cast<int64_t>(n) * 1000 / std::max(sample_rate_, 1));
  };
  m.lead_ms = to_ms(any_loud_ ? first_loud_ : count_);
  m.tail_ms = to_ms(any_loud_ ? count_ - 1 - last_loud_ : count_);
  return m;
}

Result<FileLoudness> measure_file_loudness(std::span<const float> samples, int sample_rate) {
  auto meter = FileLoudnessMeter::create(sample_rate);
  if (!meter) return meter.take_error();
  if (Status s = meter->add(samples); !s) return s.error();
  return meter->finish();
}

}  // namespace polyvox::audio
