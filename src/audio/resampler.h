// Band-limited conversion of mono float PCM from one sample rate to another (libsoxr, high
// quality) for input that arrives in chunks: a block's speech is resampled on its way to the
// encoder without being held whole at either rate. resample() (decoder.h) is this, in one go.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/error.h"

namespace polyvox::audio {

class Resampler {
 public:
  // Where the output goes, chunk by chunk (valid during the call only); an error stops the
  // stream and is returned by add() or finish().
  using Sink = std::function<Status(std::span<const float>)>;

  // A conversion of `input_samples` samples (all that add() will be given) from `from_rate` to
  // `to_rate`. Rates that match pass the samples through. kInternal for a rate <= 0.
  static Result<Resampler> create(int from_rate, int to_rate, std::size_t input_samples);

  // What `input_samples` at `from_rate` last at `to_rate`, rounded to the nearest sample: the
  // exact length of the output. REQUIRES: rates > 0.
  static std::size_t output_size(std::size_t input_samples, int from_rate, int to_rate);

  Resampler(Resampler&&) noexcept;
  Resampler& operator=(Resampler&&) noexcept;
  ~Resampler();

  // Converts the next samples; passes what is ready to `sink`. Not thread-safe.
  Status add(std::span<const float> input, const Sink& sink);

  // Ends the input: the resampler's delay line is flushed and the output cut or padded with
  // silence to exactly output_size() samples, all passed to `sink`.
  Status finish(const Sink& sink);

 private:
  struct State;
  explicit Resampler(std::unique_ptr<State> state);
  Status emit(std::span<const float> output, const Sink& sink);
  std::unique_ptr<State> state_;
};

}  // namespace polyvox::audio
