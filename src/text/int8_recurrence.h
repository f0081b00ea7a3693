// The int8 recurrent product of the diacritizer's character LSTM layers (a weights file with
// "recurrent_int8": 1, see tools/train_diacritizer/model.py): at every character each direction
// multiplies its state by its recurrent matrix, the costliest product of the network. In int8,
// with AVX-512 VNNI's `vpdpbusd`, it takes a quarter of the instructions of the bfloat16 one.
//
// The rounding is the network's definition, not an approximation of a float kernel: the Python
// reference (model.py, quantize_columns and _int8_lstm) rounds the same way, and every path here
// computes the same integer sums.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace polyvox {

class Int8Recurrence {
 public:
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  // `w`: the recurrent matrix as the inference multiplies it, state (rows) x gates (columns).
  // Each column c is rounded to int8 with its own scale: scale_c = max_j |w(j, c)| / 127 (in
  // float), q(j, c) = w(j, c) / scale_c rounded to the nearest integer, ties to even (a column
  // of zeros: q = 0, scale 0; NaN and infinite entries, of a broken file, read as 0).
  // REQUIRES: 0 < rows <= 1024 (the sums below stay exact), 0 < cols.
  explicit Int8Recurrence(const Matrix& w);

  // Per-call working memory of add_product (one per thread).
  struct Scratch {
    std::vector<std::uint8_t> state;  // the rounded state, one byte per row (offset 128)
    std::vector<std::int32_t> sums;   // portable path: one sum per column
  };

  // g(c) += s(c) x scale_c / 127 for every column c, where s(c) = sum over j of
  // round(h(j) x 127) x q(j, c), an exact integer (h(j) x 127 rounded to the nearest, ties to
  // even; |h(j)| <= 1 for an LSTM state); the float update is one fused multiply-add,
  // std::fma(s(c), scale_c / 127, g(c)). `portable_only` skips the VNNI kernel (tests compare
  // the two paths). REQUIRES: h.size() == rows, g.size() == cols, |h(j)| <= 1.
  void add_product(const Eigen::RowVectorXf& h, Eigen::RowVectorXf& g, Scratch& scratch,
                   bool portable_only = false) const;

  // True when add_product runs the VNNI kernel for this matrix (built for and running on a CPU
  // with AVX-512 VNNI, rows a multiple of 16, columns a multiple of 128).
  bool uses_vnni() const;

  long rows() const { return rows_; }
  long cols() const { return cols_; }

 private:
  long rows_ = 0;
  long cols_ = 0;
  // q in groups of four rows: entry (j / 4, c) holds q(4 (j / 4) + k, c) in byte k (rows past
  // the last are 0), the operand layout of vpdpbusd.
  std::vector<std::uint32_t> quads_;
  std::vector<std::int32_t> offset_;  // -128 x the sum of each column's q (the state's offset)
  Eigen::RowVectorXf step_;           // scale_c / 127
};

}  // namespace polyvox
