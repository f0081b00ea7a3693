// The int8 recurrent product (text/int8_recurrence.h) against its definition: the rounding of
// the weights per column and of the state, exact integer sums, one fused multiply-add per
// column; the VNNI kernel and the portable path give the same bits.
#include "text/int8_recurrence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace polyvox {
namespace {

using Matrix = Int8Recurrence::Matrix;

Matrix random_matrix(long rows, long cols, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  Matrix w(rows, cols);
  for (long j = 0; j < rows; ++j) {
    for (long c = 0; c < cols; ++c) w(j, c) = normal(rng);
  }
  return w;
}

Eigen::RowVectorXf random_state(long n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  Eigen::RowVectorXf h(n);
  for (long j = 0; j < n; ++j) h[j] = uniform(rng);
  h[0] = 1.0f;  // the ends of the range
  if (n > 1) h[1] = -1.0f;
  return h;
}

// The definition, written out independently of the kernel: q per column, round(h x 127), the
// exact sum in 64 bits, then fma(sum, scale / 127, g).
Eigen::RowVectorXf reference(const Matrix& w, const Eigen::RowVectorXf& h, Eigen::RowVectorXf g) {
  for (long c = 0; c < w.cols(); ++c) {
    float most = 0.0f;
    for (long j = 0; j < w.rows(); ++j) most = std::max(most, std::abs(w(j, c)));
    const float scale = most / 127.0f;
    if (scale == 0.0f) continue;
    std::int64_t sum = 0;
    for (long j = 0; j < w.rows(); ++j) {
      const auto q = static_cast<std::int64_t>(std::nearbyint(w(j, c) / scale));
      sum += q * static_cast<std::int64_t>(std::nearbyint(h[j] * 127.0f));
    }
    g[c] = std::fma(static_cast<float>(sum), scale / 127.0f, g[c]);
  }
  return g;
}

TEST(Int8RecurrenceTest, MatchesItsDefinitionOnEveryPath) {
  // 160 x 640: the shape of a 160-unit layer (the VNNI kernel's when the CPU has it);
  // 37 x 100 and 20 x 128: rows or columns it does not take (the portable path).
  for (const auto& [rows, cols] :
       std::vector<std::pair<long, long>>{{160, 640}, {128, 512}, {37, 100}, {20, 128}, {1, 1}}) {
    const Matrix w = random_matrix(rows, cols, static_cast<std::uint32_t>(rows * 1000 + cols));
    const Int8Recurrence int8(w);
    EXPECT_EQ(int8.rows(), rows);
    EXPECT_EQ(int8.cols(), cols);
    if (rows % 16 != 0 || cols % 128 != 0) EXPECT_FALSE(int8.uses_vnni()) << rows;
    Int8Recurrence::Scratch scratch;
    for (std::uint32_t seed = 1; seed <= 5; ++seed) {
      const Eigen::RowVectorXf h = random_state(rows, seed);
      const Eigen::RowVectorXf start = random_state(cols, seed + 100) * 3.0f;
      const Eigen::RowVectorXf expected = reference(w, h, start);
      for (const bool portable : {false, true}) {
        Eigen::RowVectorXf g = start;
        int8.add_product(h, g, scratch, portable);
        for (long c = 0; c < cols; ++c) {
          // Bit for bit: the same integers and one rounding.
          ASSERT_EQ(g[c], expected[c])
              << rows << "x" << cols << " column " << c << (portable ? " (portable)" : "");
        }
      }
    }
  }
}

TEST(Int8RecurrenceTest, EachWeightIsWithinHalfAStepOfItsValue) {
  // h = the j-th unit vector: g(c) = 127 q(j, c) x scale_c / 127 = q(j, c) x scale_c, within
  // half a step (scale_c / 2 = max |column| / 254) of w(j, c).
  const Matrix w = random_matrix(32, 128, 7);
  const Int8Recurrence int8(w);
  Int8Recurrence::Scratch scratch;
  for (long j = 0; j < w.rows(); ++j) {
    Eigen::RowVectorXf h = Eigen::RowVectorXf::Zero(w.rows());
    h[j] = 1.0f;
    Eigen::RowVectorXf g = Eigen::RowVectorXf::Zero(w.cols());
    int8.add_product(h, g, scratch);
    for (long c = 0; c < w.cols(); ++c) {
      const float most = w.col(c).cwiseAbs().maxCoeff();
      EXPECT_LE(std::abs(g[c] - w(j, c)), most / 254.0f * 1.0001f) << j << "," << c;
    }
  }
}

TEST(Int8RecurrenceTest, ZeroColumnsAndBrokenStatesStayHarmless) {
  Matrix w = random_matrix(32, 128, 3);
  w.col(5).setZero();
  w.col(6).setConstant(1e-45f);                       // a denormal column: scale rounds to 0
  w(0, 7) = std::numeric_limits<float>::quiet_NaN();  // a broken file: read as 0
  w(1, 7) = std::numeric_limits<float>::infinity();
  w(2, 7) = -std::numeric_limits<float>::infinity();
  const Int8Recurrence int8(w);
  Int8Recurrence::Scratch scratch;
  Eigen::RowVectorXf h = random_state(32, 4);
  for (const bool portable : {false, true}) {
    Eigen::RowVectorXf g = Eigen::RowVectorXf::Constant(128, 0.25f);
    int8.add_product(h, g, scratch, portable);
    EXPECT_EQ(g[5], 0.25f);
    EXPECT_EQ(g[6], 0.25f);
    EXPECT_TRUE(std::isfinite(g[7]));
  }
  // A NaN in the state (a broken weights file) reads as 0 on both paths, the same sums.
  h[3] = std::numeric_limits<float>::quiet_NaN();
  Eigen::RowVectorXf zeroed = h;
  zeroed[3] = 0.0f;
  Eigen::RowVectorXf expected = Eigen::RowVectorXf::Zero(128);
  int8.add_product(zeroed, expected, scratch, true);
  for (const bool portable : {false, true}) {
    Eigen::RowVectorXf g = Eigen::RowVectorXf::Zero(128);
    int8.add_product(h, g, scratch, portable);
    for (long c = 0; c < 128; ++c) ASSERT_EQ(g[c], expected[c]) << c;
  }
}

}  // namespace
}  // namespace polyvox
