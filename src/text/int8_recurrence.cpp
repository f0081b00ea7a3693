#include "text/int8_recurrence.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__AVX512F__) && defined(__AVX512VNNI__)
#include <immintrin.h>
#define POLYVOX_INT8_VNNI 1
#endif

namespace polyvox {
namespace {

// round(x x 127), ties to even, as the VNNI kernel computes it; NaN (a broken weights file) reads
// as 0 there and here, never as undefined behaviour.
std::int32_t rounded_state(float x) {
  const float scaled = x * 127.0f;
  if (!(scaled == scaled)) return 0;
  return static_cast<std::int32_t>(std::nearbyint(std::clamp(scaled, -127.0f, 127.0f)));
}

// A weight as the rounding reads it: NaN and infinities (a broken weights file) as 0.
float finite(float w) { return std::isfinite(w) ? w : 0.0f; }

}  // namespace

Int8Recurrence::Int8Recurrence(const Matrix& w)
    : rows_(w.rows()),
      cols_(w.cols()),
      quads_(static_cast<std::size_t>((w.rows() + 3) / 4 * w.cols()), 0),
      offset_(static_cast<std::size_t>(w.cols()), 0),
      step_(Eigen::RowVectorXf::Zero(w.cols())) {
  for (Eigen::Index c = 0; c < cols_; ++c) {
    float most = 0.0f;
    for (Eigen::Index j = 0; j < rows_; ++j) most = std::max(most, std::abs(finite(w(j, c))));
    const float scale = most / 127.0f;
    if (scale == 0.0f) continue;  // a column of zeros (or of values too small to scale)
    std::int32_t sum = 0;
    for (Eigen::Index j = 0; j < rows_; ++j) {
      const auto q = static_cast<std::int32_t>(
          std::clamp(std::nearbyint(finite(w(j, c)) / scale), -127.0f, 127.0f));
      sum += q;
      const auto at = static_cast<std::size_t>(j / 4 * cols_ + c);
      quads_[at] |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(q)) << (8 * (j % 4));
    }
    offset_[static_cast<std::size_t>(c)] = -128 * sum;
    step_[c] = scale / 127.0f;
  }
}

bool Int8Recurrence::uses_vnni() const {
#if defined(POLYVOX_INT8_VNNI)
  return rows_ % 16 == 0 && cols_ % 128 == 0;
#else
  return false;
#endif
}

void Int8Recurrence::add_product(const Eigen::RowVectorXf& h, Eigen::RowVectorXf& g,
                                 Scratch& scratch, bool portable_only) const {
  const auto groups = (rows_ + 3) / 4;
#if defined(POLYVOX_INT8_VNNI)
  if (!portable_only && uses_vnni()) {
    // The state as unsigned bytes: round(h x 127) + 128 in [1, 255] (vpdpbusd multiplies
    // unsigned by signed bytes); each sum starts at the offset's share (offset_). Rounded to
    // nearest, ties to even, whatever the MXCSR mode.
    scratch.state.resize(static_cast<std::size_t>(rows_));
    const __m512 times = _mm512_set1_ps(127.0f);
    const __m512i bias = _mm512_set1_epi32(128);
    for (Eigen::Index j = 0; j < rows_; j += 16) {
      const __m512i v =
          _mm512_add_epi32(_mm512_maskz_cvt_roundps_epi32(
                               0xFFFF, _mm512_mul_ps(_mm512_loadu_ps(h.data() + j), times),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
                           bias);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(scratch.state.data() + j),
                       _mm512_maskz_cvtepi32_epi8(0xFFFF, v));
    }
    for (Eigen::Index block = 0; block < cols_; block += 128) {
      __m512i acc[8];
      for (int k = 0; k < 8; ++k) {
        acc[k] = _mm512_loadu_si512(offset_.data() + block + 16 * k);
      }
      for (Eigen::Index group = 0; group < groups; ++group) {
        std::uint32_t four;
        std::memcpy(&four, scratch.state.data() + 4 * group, 4);
        const __m512i state = _mm512_set1_epi32(static_cast<int>(four));
        const std::uint32_t* w = quads_.data() + group * cols_ + block;
        for (int k = 0; k < 8; ++k) {
          acc[k] = _mm512_dpbusd_epi32(acc[k], state, _mm512_loadu_si512(w + 16 * k));
        }
      }
      for (int k = 0; k < 8; ++k) {
        float* out = g.data() + block + 16 * k;
        _mm512_storeu_ps(out, _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(0xFFFF, acc[k]),
                                              _mm512_loadu_ps(step_.data() + block + 16 * k),
                                              _mm512_loadu_ps(out)));
      }
    }
    return;
  }
#endif
  (void)portable_only;
  // Portable: the same sums with the signed state.
  scratch.sums.assign(static_cast<std::size_t>(cols_), 0);
  std::int32_t* sums = scratch.sums.data();
  for (Eigen::Index group = 0; group < groups; ++group) {
    std::int32_t state[4] = {0, 0, 0, 0};
    bool any = false;
    for (int k = 0; k < 4 && 4 * group + k < rows_; ++k) {
      state[k] = rounded_state(h[4 * group + k]);
      any = any || state[k] != 0;
    }
    if (!any) continue;
    const std::uint32_t* w = quads_.data() + group * cols_;
    for (Eigen::Index c = 0; c < cols_; ++c) {
      const std::uint32_t four = w[c];
      sums[c] += state[0] * static_cast<std::int8_t>(four & 0xFF) +
                 state[1] * static_cast<std::int8_t>((four >> 8) & 0xFF) +
                 state[2] * static_cast<std::int8_t>((four >> 16) & 0xFF) +
                 state[3] * static_cast<std::int8_t>(four >> 24);
    }
  }
  for (Eigen::Index c = 0; c < cols_; ++c) {
    g[c] = std::fma(static_cast<float>(sums[c]), step_[c], g[c]);
  }
}

}  // namespace polyvox
