#include "audio/resampler.h"

#include <soxr.h>

#include <algorithm>
#include <string>

namespace polyvox::audio {
namespace {

struct SoxrDeleter {
  void operator()(soxr* s) const { soxr_delete(s); }
};

Error resample_error(const std::string& what) {
  return Error{ErrorKind::kInternal, "resample: " + what, ""};
}

// Input given to the converter at once, so that its own buffers and ours stay small.
constexpr std::size_t kInputChunk = 1 << 13;

}  // namespace

struct Resampler::State {
  int from_rate = 0;
  int to_rate = 0;
  std::size_t expected = 0;  // output samples in all
  std::size_t emitted = 0;
  std::unique_ptr<struct soxr, SoxrDeleter> converter;  // null when the rates match
  std::vector<float> output;                            // one call's output
};

Resampler::Resampler(std::unique_ptr<State> state) : state_(std::move(state)) {}
Resampler::Resampler(Resampler&&) noexcept = default;
Resampler& Resampler::operator=(Resampler&&) noexcept = default;
Resampler::~Resampler() = default;

std::size_t Resampler::output_size(std::size_t input_samples, int from_rate, int to_rate) {
  if (from_rate == to_rate) return input_samples;
  return static_cast<std::size_t>(
      (static_cast<long double>(input_samples) * to_rate + from_rate / 2) / from_rate);
}

Result<Resampler> Resampler::create(int from_rate, int to_rate, std::size_t input_samples) {
  if (from_rate <= 0 || to_rate <= 0) return resample_error("invalid sample rate");
  auto state = std::make_unique<State>();
  state->from_rate = from_rate;
  state->to_rate = to_rate;
  state->expected = output_size(input_samples, from_rate, to_rate);
  if (from_rate != to_rate) {
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
    soxr_error_t err = nullptr;
    state->converter.reset(soxr_create(from_rate, to_rate, 1, &err, &io, &quality, nullptr));
    if (err || !state->converter) return resample_error(err ? err : "cannot create the converter");
    state->output.resize(
        static_cast<std::size_t>(static_cast<long double>(kInputChunk) * to_rate / from_rate) +
        256);
  }
  return Resampler(std::move(state));
}

Status Resampler::emit(std::span<const float> output, const Sink& sink) {
  const std::size_t n = std::min(output.size(), state_->expected - state_->emitted);
  if (n == 0) return Status::success();
  state_->emitted += n;
  return sink(output.first(n));
}

Status Resampler::add(std::span<const float> input, const Sink& sink) {
  if (!state_->converter) return emit(input, sink);
  std::size_t consumed = 0;
  while (consumed < input.size()) {
    const std::size_t n = std::min(kInputChunk, input.size() - consumed);
    std::size_t used = 0;
    std::size_t done = 0;
    if (soxr_error_t err = soxr_process(state_->converter.get(), input.data() + consumed, n, &used,
                                        state_->output.data(), state_->output.size(), &done)) {
      return resample_error(err);
    }
    if (used == 0 && done == 0) return resample_error("the converter took nothing");
    consumed += used;
    if (Status s = emit(std::span<const float>(state_->output).first(done), sink); !s) return s;
  }
  return Status::success();
}

Status Resampler::finish(const Sink& sink) {
  if (state_->converter) {
    while (true) {
      std::size_t used = 0;
      std::size_t done = 0;
      if (soxr_error_t err = soxr_process(state_->converter.get(), nullptr, 0, &used,
                                          state_->output.data(), state_->output.size(), &done)) {
        return resample_error(err);
      }
      if (done == 0) break;
      if (Status s = emit(std::span<const float>(state_->output).first(done), sink); !s) return s;
    }
  }
  // Exactly the duration of the input (the flush may add or miss a sample or two).
  const std::vector<float> silence(std::min<std::size_t>(kInputChunk, state_->expected), 0.0f);
  while (state_->emitted < state_->expected) {
    if (Status s = emit(silence, sink); !s) return s;
  }
  return Status::success();
}

}  // namespace polyvox::audio
