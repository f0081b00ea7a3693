#include "text/bilstm_model.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

namespace polyvox {
namespace {

static_assert(std::endian::native == std::endian::little, "weights are stored little-endian");

constexpr char kMagic[4] = {'P', 'V', 'X', 'D'};
constexpr std::uint32_t kVersion = 1;
constexpr int kHintClasses = 16;
constexpr int kClasses = 15;

Error bad_file(const std::string& path, const std::string& why) {
  return invalid_input("diacritizer model", "'" + path + "': " + why);
}

// The float tensors of a weights file, by name, checked against the shapes the header gives.
class TensorTable {
 public:
  TensorTable(const nlohmann::json& table, const float* data, std::size_t count)
      : table_(table), data_(data), count_(count) {}

  // Copies tensor `name` of shape rows x cols (cols = 0: a vector of `rows`), transposed when
  // asked. False when it is missing or has another shape.
  bool read(const std::string& name, long rows, long cols, bool transpose, RowMatrix& out) const {
    for (const auto& t : table_) {
      if (t.at("name").get<std::string>() != name) continue;
      const auto shape = t.at("shape").get<std::vector<long>>();
      const auto offset = t.at("offset").get<std::size_t>();
      const bool matches = cols == 0 ? shape == std::vector<long>{rows}
                                     : shape == std::vector<long>{rows, cols};
      const std::size_t size = static_cast<std::size_t>(rows * std::max(cols, 1L));
      if (!matches || offset + size > count_) return false;
      Eigen::Map<const RowMatrix> m(data_ + offset, rows, std::max(cols, 1L));
      if (transpose) {
        out = m.transpose();
      } else {
        out = m;
      }
      return true;
    }
    return false;
  }

 private:
  const nlohmann::json& table_;
  const float* data_;
  std::size_t count_;
};

}  // namespace

Result<BilstmModel> BilstmModel::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad_file(path, "cannot be read");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 12 || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return bad_file(path, "not a diacritizer weights file");
  }
  std::uint32_t version = 0, header_len = 0;
  std::memcpy(&version, bytes.data() + 4, 4);
  std::memcpy(&header_len, bytes.data() + 8, 4);
  if (version != kVersion) return bad_file(path, "unsupported version " + std::to_string(version));
  if (12 + static_cast<std::size_t>(header_len) > bytes.size()) return bad_file(path, "truncated");

  BilstmModel model;
  try {
    const auto header = nlohmann::json::parse(bytes.substr(12, header_len));
    if (header.at("model") != "bilstm" || header.at("classes") != kClasses ||
        header.at("hint_classes") != kHintClasses) {
      return bad_file(path, "unsupported model");
    }
    const long vocab_size = header.at("vocab_size");
    const long emb = header.at("embedding");
    const long hidden = header.at("hidden");
    const int layers = header.at("layers");
    model.hidden_ = static_cast<int>(hidden);
    model.other_id_ = header.at("other_id");
    model.max_segment_chars_ = header.value("max_segment_chars", 0);
    for (const auto& pair : header.at("vocab")) {
      const int id = pair.at(1);
      if (id < 0 || id >= vocab_size) return bad_file(path, "vocabulary id out of range");
      model.vocab_[static_cast<char32_t>(pair.at(0).get<std::uint32_t>())] = id;
    }

    std::size_t start = 12 + header_len;
    start += (4 - start % 4) % 4;
    if (start > bytes.size()) return bad_file(path, "truncated");
    std::vector<float> floats((bytes.size() - start) / sizeof(float));
    std::memcpy(floats.data(), bytes.data() + start, floats.size() * sizeof(float));
    const TensorTable tensors(header.at("tensors"), floats.data(), floats.size());

    bool ok = tensors.read("char_emb", vocab_size, emb, false, model.char_emb_) &&
              tensors.read("hint_emb", kHintClasses, emb, false, model.hint_emb_);
    long in_features = emb;
    for (int l = 0; l < layers && ok; ++l) {
      Layer layer;
      for (auto [name, d] : {std::pair{"fw", &layer.forward}, std::pair{"bw", &layer.backward}}) {
        const std::string prefix = "lstm" + std::to_string(l) + "_" + name;
        RowMatrix bias;
        ok = ok && tensors.read(prefix + "_w_ih", 4 * hidden, in_features, true, d->w_ih_t) &&
             tensors.read(prefix + "_w_hh", 4 * hidden, hidden, true, d->w_hh_t) &&
             tensors.read(prefix + "_b", 4 * hidden, 0, true, bias);
        if (ok) d->bias = bias.row(0);
      }
      model.layers_.push_back(std::move(layer));
      in_features = 2 * hidden;
    }
    RowMatrix out_b;
    ok = ok && tensors.read("out_w", kClasses, 2 * hidden, true, model.out_w_t_) &&
         tensors.read("out_b", kClasses, 0, true, out_b);
    if (!ok) return bad_file(path, "tensors do not match the header");
    model.out_b_ = out_b.row(0);
  } catch (const nlohmann::json::exception& e) {
    return bad_file(path, std::string("malformed header: ") + e.what());
  }
  return model;
}

void BilstmModel::run_direction(const Direction& d, bool reverse, int column,
                                BilstmScratch& s) const {
  const int h = hidden_;
  const auto steps = s.input.rows();
  s.gates.noalias() = s.input * d.w_ih_t;
  s.gates.rowwise() += d.bias;
  Eigen::RowVectorXf state = Eigen::RowVectorXf::Zero(h);
  Eigen::RowVectorXf cell = Eigen::RowVectorXf::Zero(h);
  Eigen::RowVectorXf g(4 * h);
  for (Eigen::Index k = 0; k < steps; ++k) {
    const Eigen::Index t = reverse ? steps - 1 - k : k;
    g.noalias() = s.gates.row(t);
    g.noalias() += state * d.w_hh_t;
    // sigmoid(x) = (tanh(x / 2) + 1) / 2: one vectorized tanh for the three sigmoid gates.
    auto a = g.array();
    const auto input_gate = (a.segment(0, h) * 0.5f).tanh() * 0.5f + 0.5f;
    const auto forget_gate = (a.segment(h, h) * 0.5f).tanh() * 0.5f + 0.5f;
    const auto candidate = a.segment(2 * h, h).tanh();
    const auto output_gate = (a.segment(3 * h, h) * 0.5f).tanh() * 0.5f + 0.5f;
    cell.array() = forget_gate * cell.array() + input_gate * candidate;
    state.array() = output_gate * cell.array().tanh();
    s.output.row(t).segment(column, h) = state;
  }
}

const RowMatrix& BilstmModel::run(const std::vector<int>& ids, const std::vector<int>& hints,
                                  BilstmScratch& s) const {
  const auto steps = static_cast<Eigen::Index>(ids.size());
  s.input.resize(steps, char_emb_.cols());
  for (Eigen::Index t = 0; t < steps; ++t) {
    s.input.row(t) = char_emb_.row(ids[static_cast<std::size_t>(t)]) +
                     hint_emb_.row(hints[static_cast<std::size_t>(t)]);
  }
  for (const Layer& layer : layers_) {
    s.output.resize(steps, 2 * hidden_);
    run_direction(layer.forward, false, 0, s);
    run_direction(layer.backward, true, hidden_, s);
    s.input.swap(s.output);
  }
  s.logits.noalias() = s.input * out_w_t_;
  s.logits.rowwise() += out_b_;
  return s.logits;
}

}  // namespace polyvox
