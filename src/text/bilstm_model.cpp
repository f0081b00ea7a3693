#include "text/bilstm_model.h"

#include <bit>
#include <cstring>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>

#include "text/stem_splits.h"
#include "text/whole_file.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace polyvox {
namespace {

static_assert(std::endian::native == std::endian::little, "weights are stored little-endian");

constexpr char kMagic[4] = {'P', 'V', 'X', 'D'};
constexpr std::uint32_t kVersion = 1;
constexpr int kHintClasses = 16;
constexpr int kClasses = 15;

// `m` (even number of rows) as bfloat16 row pairs (see Direction::w_hh_t_bf16_pairs), or empty
// when one of its entries is not a bfloat16 value.
std::vector<std::uint32_t> exact_bf16_pairs(const RowMatrix& m) {
  std::vector<std::uint32_t> out(static_cast<std::size_t>(m.size() / 2));
  for (Eigen::Index i = 0; i + 1 < m.rows(); i += 2) {
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      const auto lo = std::bit_cast<std::uint32_t>(m(i, c));
      const auto hi = std::bit_cast<std::uint32_t>(m(i + 1, c));
      if ((lo & 0xFFFF) != 0 || (hi & 0xFFFF) != 0) return {};
      out[static_cast<std::size_t>(i / 2 * m.cols() + c)] = (lo >> 16) | (hi & 0xFFFF0000u);
    }
  }
  return out;
}

// Reads an LSTM direction `prefix` (w_ih, w_hh, bias) of hidden size `hidden` over `in` features;
// with `int8`, its recurrent matrix is rounded to int8 (int8_recurrence.h) as model.py rounds it.
template <typename Tensors, typename Direction>
bool read_direction(const Tensors& tensors, const std::string& prefix, long hidden, long in,
                    Direction& d, bool int8 = false) {
  RowMatrix bias;
  const bool ok = tensors.read(prefix + "_w_ih", 4 * hidden, in, true, d.w_ih_t) &&
                  tensors.read(prefix + "_w_hh", 4 * hidden, hidden, true, d.w_hh_t) &&
                  tensors.read(prefix + "_b", 4 * hidden, 0, true, bias);
  if (!ok) return false;
  d.bias = bias.row(0);
  if (int8) {
    d.w_hh_int8.emplace(d.w_hh_t);
    d.w_hh_t = RowMatrix();  // not read again
    return true;
  }
#if defined(__AVX512F__)
  if (hidden % 32 == 0) d.w_hh_t_bf16_pairs = exact_bf16_pairs(d.w_hh_t);
#endif
  return true;
}

// g += h * W, W given as bfloat16 row pairs (exact_bf16_pairs), accumulating in float row by
// row. REQUIRES: h.size() even; g.size() a multiple of 128.
void add_bf16_product(const Eigen::RowVectorXf& h, const std::uint32_t* w, Eigen::RowVectorXf& g) {
#if defined(__AVX512F__)
  const auto cols = g.size();
  const __m512i high_half = _mm512_set1_epi32(static_cast<int>(0xFFFF0000u));
  for (Eigen::Index block = 0; block < cols; block += 128) {
    __m512 acc[8];
    for (int k = 0; k < 8; ++k) acc[k] = _mm512_loadu_ps(g.data() + block + 16 * k);
    for (Eigen::Index j = 0; j < h.size(); j += 2) {
      const __m512 h_even = _mm512_set1_ps(h[j]);
      const __m512 h_odd = _mm512_set1_ps(h[j + 1]);
      const std::uint32_t* pairs = w + (j / 2) * cols + block;
      for (int k = 0; k < 8; ++k) {
        const __m512i both = _mm512_loadu_si512(pairs + 16 * k);
        acc[k] = _mm512_fmadd_ps(h_even, _mm512_castsi512_ps(_mm512_slli_epi32(both, 16)), acc[k]);
        acc[k] =
            _mm512_fmadd_ps(h_odd, _mm512_castsi512_ps(_mm512_and_si512(both, high_half)), acc[k]);
      }
    }
    for (int k = 0; k < 8; ++k) _mm512_storeu_ps(g.data() + block + 16 * k, acc[k]);
  }
#else
  (void)h, (void)w, (void)g;
#endif
}

Error bad_file(const std::string& path, const std::string& why) {
  return invalid_input("diacritizer model", "'" + path + "': " + why);
}

// Header field `key`, an integer in [lo, hi] (`fallback` when the field is absent and a fallback
// is given); nullopt, with `why` naming the field and the range, otherwise.
std::optional<long> int_field(const nlohmann::json& header, const char* key, long lo, long hi,
                              std::string& why, std::optional<long> fallback = std::nullopt) {
  const auto it = header.find(key);
  if (it == header.end() && fallback) return fallback;
  if (it != header.end() && it->is_number_integer()) {
    if (it->is_number_unsigned() ? it->get<std::uint64_t>() <= static_cast<std::uint64_t>(hi)
                                 : it->get<std::int64_t>() <= hi) {
      const long value = static_cast<long>(it->get<std::int64_t>());
      if (value >= lo) return value;
    }
  }
  why = std::string(key) + " must be an integer from " + std::to_string(lo) + " to " +
        std::to_string(hi);
  return std::nullopt;
}

// The float tensors of a weights file, by name, checked against the shapes the header gives.
class TensorTable {
 public:
  // `data`: the file's float area (`count` floats, unaligned), copied from by read().
  TensorTable(const nlohmann::json& table, const char* data, std::size_t count)
      : table_(table), data_(data), count_(count) {}

  // Copies tensor `name` of shape rows x cols (cols = 0: a vector of `rows`), transposed when
  // asked. False when it is missing, has another shape or does not lie inside the data.
  // REQUIRES: 0 < rows, 0 <= cols, both within BilstmModel's limits.
  bool read(const std::string& name, long rows, long cols, bool transpose, RowMatrix& out) const {
    const char* from = find(name, rows, cols);
    if (from == nullptr) return false;
    cols = std::max(cols, 1L);
    if (!transpose) {
      out.resize(rows, cols);
      std::memcpy(out.data(), from, static_cast<std::size_t>(rows * cols) * sizeof(float));
      return true;
    }
    out.resize(cols, rows);
    for (long r = 0; r < rows; ++r) {
      for (long c = 0; c < cols; ++c) {
        std::memcpy(&out(c, r), from + static_cast<std::size_t>(r * cols + c) * sizeof(float),
                    sizeof(float));
      }
    }
    return true;
  }

  // The same, untransposed, into `out` (rows x cols floats, row-major) on huge pages: for the
  // large tables.
  bool read(const std::string& name, long rows, long cols, HugeBytes& out) const {
    const char* from = find(name, rows, cols);
    if (from == nullptr) return false;
    out = HugeBytes(static_cast<std::size_t>(rows * cols) * sizeof(float));
    std::memcpy(out.data(), from, out.size());
    return true;
  }

 private:
  // The first byte of tensor `name` when the table lists it with shape rows x cols (cols = 0: a
  // vector of `rows`) inside the data; nullptr otherwise.
  const char* find(const std::string& name, long rows, long cols) const {
    for (const auto& t : table_) {
      if (t.at("name").get<std::string>() != name) continue;
      const auto shape = t.at("shape").get<std::vector<long>>();
      const auto& offset_field = t.at("offset");
      const bool matches =
          cols == 0 ? shape == std::vector<long>{rows} : shape == std::vector<long>{rows, cols};
      // rows and cols are within the header's checked limits: the product does not overflow.
      const std::size_t size = static_cast<std::size_t>(rows * std::max(cols, 1L));
      if (!matches || rows <= 0 || cols < 0 || !offset_field.is_number_unsigned()) return nullptr;
      const auto offset = offset_field.get<std::uint64_t>();
      if (offset > count_ || size > count_ - offset) return nullptr;
      return data_ + offset * sizeof(float);
    }
    return nullptr;
  }

  const nlohmann::json& table_;
  const char* data_;
  std::size_t count_;
};

}  // namespace

Result<BilstmModel> BilstmModel::load(const std::string& path) {
  return parse_whole_file(
      path, [&path](std::string_view bytes) { return parse(bytes, path); },
      [&path](const char* why) { return bad_file(path, why); });
}

Result<BilstmModel> BilstmModel::parse(std::string_view bytes, const std::string& path) {
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
    RowMatrix char_emb, hint_emb;
    const auto header = nlohmann::json::parse(bytes.substr(12, header_len));
    if (header.at("model") != "bilstm" || header.at("classes") != kClasses ||
        header.at("hint_classes") != kHintClasses) {
      return bad_file(path, "unsupported model");
    }
    std::string why;
    const auto vocab_size = int_field(header, "vocab_size", 1, kMaxVocab, why);
    const auto emb_field = int_field(header, "embedding", 1, kMaxWidth, why);
    const auto hidden_field = int_field(header, "hidden", 1, kMaxWidth, why);
    const auto layers_field = int_field(header, "layers", 1, kMaxLayers, why);
    const auto segment = int_field(header, "max_segment_chars", 1, kMaxSegmentChars, why);
    if (!vocab_size || !emb_field || !hidden_field || !layers_field || !segment) {
      return bad_file(path, why);
    }
    const auto other_id = int_field(header, "other_id", 0, *vocab_size - 1, why);
    if (!other_id) return bad_file(path, why);
    const long emb = *emb_field;
    const long hidden = *hidden_field;
    const int layers = static_cast<int>(*layers_field);
    model.hidden_ = static_cast<int>(hidden);
    model.other_id_ = static_cast<int>(*other_id);
    model.max_segment_chars_ = static_cast<int>(*segment);
    for (const auto& pair : header.at("vocab")) {
      const auto& cp = pair.at(0);
      const auto& id = pair.at(1);
      if (!cp.is_number_unsigned() || cp.get<std::uint64_t>() > 0x10FFFF ||
          !id.is_number_unsigned() ||
          id.get<std::uint64_t>() >= static_cast<std::uint64_t>(*vocab_size)) {
        return bad_file(path, "vocabulary entry out of range");
      }
      model.vocab_[static_cast<char32_t>(cp.get<std::uint64_t>())] =
          static_cast<int>(id.get<std::uint64_t>());
    }

    std::size_t start = 12 + header_len;
    start += (4 - start % 4) % 4;
    if (start > bytes.size()) return bad_file(path, "truncated");
    const TensorTable tensors(header.at("tensors"), bytes.data() + start,
                              (bytes.size() - start) / sizeof(float));

    bool ok = tensors.read("char_emb", *vocab_size, emb, false, char_emb) &&
              tensors.read("hint_emb", kHintClasses, emb, false, hint_emb);
    if (const auto words = header.find("words"); words != header.end()) {
      // The words separated by single spaces, ids from kUnknownWord + 1 on.
      const auto list = words->get<std::string>();
      int id = kUnknownWord + 1;
      for (std::size_t pos = 0; pos <= list.size();) {
        const std::size_t end = std::min(list.find(' ', pos), list.size());
        const auto [it, added] = model.word_index_.emplace(list.substr(pos, end - pos), id++);
        if (end == pos || !added) return bad_file(path, "empty or repeated word in the word list");
        model.words_by_id_.push_back(it->first);  // in id order
        pos = end + 1;
      }
      ok = ok && tensors.read("word_emb", id, emb, model.word_emb_);
      model.embedding_ = emb;
      const auto stems = int_field(header, "word_stems", 0, 1, why, 0);
      if (!stems) return bad_file(path, why);
      model.word_stems_ = *stems == 1;
    } else if (header.contains("word_stems")) {
      return bad_file(path, "word_stems without a word list");
    }
    // The character layers' recurrent products in int8 (the word layers' stay as they are).
    const auto int8_field = int_field(header, "recurrent_int8", 0, 1, why, 0);
    if (!int8_field) return bad_file(path, why);
    const auto residual_field = int_field(header, "residual_layers", 0, kMaxLayers, why, 0);
    if (!residual_field) return bad_file(path, why);
    long in_features = emb;
    for (int l = 0; l < layers && ok; ++l) {
      Layer layer;
      for (auto [name, d] : {std::pair{"fw", &layer.forward}, std::pair{"bw", &layer.backward}}) {
        const std::string prefix = "lstm" + std::to_string(l) + "_" + name;
        ok = ok && read_direction(tensors, prefix, hidden, in_features, *d, *int8_field == 1);
        if (ok && l == 0) {
          // The first layer's input is an embedding sum: project every embedding once here
          // instead of every character at run time.
          d->char_proj = char_emb * d->w_ih_t;
          d->char_proj.rowwise() += d->bias;
          d->hint_proj = hint_emb * d->w_ih_t;
        }
      }
      model.layers_.push_back(std::move(layer));
      in_features = 2 * hidden;
    }
    // Residual character layers (model.py), after the stacked ones; int8 like them when marked.
    bool residual_ok = true;
    for (long k = 0; k < *residual_field && ok && residual_ok; ++k) {
      Residual r;
      const std::string prefix = "res" + std::to_string(k);
      residual_ok = read_direction(tensors, prefix + "_lstm_fw", hidden, 2 * hidden, r.lstm.forward,
                                   *int8_field == 1) &&
                    read_direction(tensors, prefix + "_lstm_bw", hidden, 2 * hidden,
                                   r.lstm.backward, *int8_field == 1) &&
                    tensors.read(prefix + "_w", 2 * hidden, 2 * hidden, true, r.res_w_t);
      model.residual_.push_back(std::move(r));
    }
    if (!residual_ok) return bad_file(path, "residual layer tensors do not match the header");
    RowMatrix out_b;
    ok = ok && tensors.read("out_w", kClasses, 2 * hidden, true, model.out_w_t_) &&
         tensors.read("out_b", kClasses, 0, true, out_b);
    if (!ok) return bad_file(path, "tensors do not match the header");
    model.out_b_ = out_b.row(0);
    const auto context_field = int_field(header, "word_context", 0, kMaxWidth, why, 0);
    const auto head_field = int_field(header, "head_hidden", 0, kMaxWidth, why, 0);
    const auto feed_field = int_field(header, "word_feed", 0, kMaxWidth, why, 0);
    if (!context_field || !head_field || !feed_field) return bad_file(path, why);
    const long context = *context_field;
    const long head = *head_field;
    if (context > 0 && (head == 0 || !model.has_words())) {
      return bad_file(path, "word context needs a word list and a head");
    }
    if (context > 0) {
      RowMatrix mix_char_b, out2_b;
      model.word_context_ = static_cast<int>(context);
      ok =
          read_direction(tensors, "word_lstm_fw", context, 2 * hidden, model.word_lstm_.forward) &&
          read_direction(tensors, "word_lstm_bw", context, 2 * hidden, model.word_lstm_.backward) &&
          tensors.read("mix_char_w", head, 2 * hidden, true, model.mix_char_w_t_) &&
          tensors.read("mix_char_b", head, 0, true, mix_char_b) &&
          tensors.read("mix_word_w", head, 2 * context, true, model.mix_word_w_t_) &&
          tensors.read("out2_w", kClasses, head, true, model.out2_w_t_) &&
          tensors.read("out2_b", kClasses, 0, true, out2_b);
      if (!ok) return bad_file(path, "word context tensors do not match the header");
      model.mix_char_b_ = mix_char_b.row(0);
      model.out2_b_ = out2_b.row(0);
    }
    const long feed = *feed_field;
    if (feed > 0 && (context == 0 || layers < 2)) {
      return bad_file(path, "word feed needs word context and two layers");
    }
    if (feed > 0) {
      model.word_feed_ = static_cast<int>(feed);
      ok = read_direction(tensors, "feed_lstm_fw", feed, 2 * hidden, model.feed_lstm_.forward) &&
           read_direction(tensors, "feed_lstm_bw", feed, 2 * hidden, model.feed_lstm_.backward) &&
           tensors.read("feed_w", 2 * hidden, 2 * feed, true, model.feed_w_t_);
      if (!ok) return bad_file(path, "word feed tensors do not match the header");
    }
  } catch (const nlohmann::json::exception& e) {
    return bad_file(path, std::string("malformed header: ") + e.what());
  }
  return model;
}

void BilstmModel::run_recurrence(const Direction& d, int h,
                                 const Eigen::Ref<const RowMatrix>& gates, bool reverse, int column,
                                 ScratchMatrix::View output) {
  const auto steps = gates.rows();
  Eigen::RowVectorXf state = Eigen::RowVectorXf::Zero(h);
  Eigen::RowVectorXf cell = Eigen::RowVectorXf::Zero(h);
  Eigen::RowVectorXf g(4 * h);
  Int8Recurrence::Scratch int8_scratch;
  for (Eigen::Index k = 0; k < steps; ++k) {
    const Eigen::Index t = reverse ? steps - 1 - k : k;
    g.noalias() = gates.row(t);
    if (d.w_hh_int8) {
      d.w_hh_int8->add_product(state, g, int8_scratch);
    } else if (d.w_hh_t_bf16_pairs.empty()) {
      g.noalias() += state * d.w_hh_t;
    } else {
      add_bf16_product(state, d.w_hh_t_bf16_pairs.data(), g);
    }
    // sigmoid(x) = (tanh(x / 2) + 1) / 2: one vectorized tanh for the three sigmoid gates.
    auto a = g.array();
    const auto input_gate = (a.segment(0, h) * 0.5f).tanh() * 0.5f + 0.5f;
    const auto forget_gate = (a.segment(h, h) * 0.5f).tanh() * 0.5f + 0.5f;
    const auto candidate = a.segment(2 * h, h).tanh();
    const auto output_gate = (a.segment(3 * h, h) * 0.5f).tanh() * 0.5f + 0.5f;
    cell.array() = forget_gate * cell.array() + input_gate * candidate;
    state.array() = output_gate * cell.array().tanh();
    output.row(t).segment(column, h) = state;
  }
}

void BilstmModel::run_bidirectional(const Layer& layer, int units,
                                    const Eigen::Ref<const RowMatrix>& input, ScratchMatrix& gates,
                                    ScratchMatrix& output) {
  const auto out = output.resize(input.rows(), 2 * units);
  for (const bool reverse : {false, true}) {
    const Direction& d = reverse ? layer.backward : layer.forward;
    auto g = gates.resize(input.rows(), 4 * units);
    g.noalias() = input * d.w_ih_t;
    g.rowwise() += d.bias;
    run_recurrence(d, units, g, reverse, reverse ? units : 0, out);
  }
}

ScratchMatrix::ConstView BilstmModel::run(const std::vector<int>& ids,
                                          const std::vector<int>& hints,
                                          const std::vector<int>& words, BilstmScratch& s) const {
  const auto steps = static_cast<Eigen::Index>(ids.size());
  // The first layer reads its input projections from the embeddings' (projected at load).
  const auto output = s.output.resize(steps, 2 * hidden_);
  for (const bool reverse : {false, true}) {
    const Direction& d = reverse ? layers_[0].backward : layers_[0].forward;
    auto gates = s.gates.resize(steps, 4 * hidden_);
    for (Eigen::Index t = 0; t < steps; ++t) {
      const auto i = static_cast<std::size_t>(t);
      gates.row(t) = d.char_proj.row(ids[i]) + d.hint_proj.row(hints[i]);
    }
    if (has_words()) {
      // The word embedding's projection, once per word, added to each of its characters.
      Eigen::RowVectorXf word_proj(4 * hidden_);
      for (Eigen::Index t = 0, end = 0; t < steps; t = end) {
        const int w = words[static_cast<std::size_t>(t)];
        end = t + 1;
        if (w == kNoWord) continue;
        while (end < steps && words[static_cast<std::size_t>(end)] == w) ++end;
        const Eigen::Map<const Eigen::RowVectorXf> embedding(
            reinterpret_cast<const float*>(word_emb_.data()) +
                static_cast<std::size_t>(w) * static_cast<std::size_t>(embedding_),
            embedding_);
        word_proj.noalias() = embedding * d.w_ih_t;
        gates.middleRows(t, end - t).rowwise() += word_proj;
      }
    }
    run_recurrence(d, hidden_, gates, reverse, reverse ? hidden_ : 0, output);
  }
  s.input.swap(s.output);
  for (std::size_t l = 1; l < layers_.size(); ++l) {
    if (l == 1 && word_feed_ > 0) add_word_feed(words, s);
    run_bidirectional(layers_[l], hidden_, s.input.view(), s.gates, s.output);
    s.input.swap(s.output);
  }
  for (const Residual& r : residual_) {
    run_bidirectional(r.lstm, hidden_, s.input.view(), s.gates, s.output);
    s.input.view().noalias() += s.output.view() * r.res_w_t;
  }
  auto logits = s.logits.resize(steps, out_w_t_.cols());
  logits.noalias() = s.input.view() * out_w_t_;
  logits.rowwise() += out_b_;
  if (word_context_ > 0) add_word_context(words, s);
  return std::as_const(s.logits).view();
}

std::vector<std::pair<Eigen::Index, Eigen::Index>> BilstmModel::word_runs(
    const std::vector<int>& words) {
  const auto steps = static_cast<Eigen::Index>(words.size());
  std::vector<std::pair<Eigen::Index, Eigen::Index>> runs;
  for (Eigen::Index t = 0, end = 0; t < steps; t = end) {
    end = t + 1;
    if (words[static_cast<std::size_t>(t)] == kNoWord) continue;
    while (end < steps && words[static_cast<std::size_t>(end)] != kNoWord) ++end;
    runs.emplace_back(t, end);
  }
  return runs;
}

void BilstmModel::run_word_lstm(const Layer& lstm, int units, const RunList& runs,
                                BilstmScratch& s) const {
  // Each word summarized by the forward output at its last letter and the backward output at
  // its first.
  const auto count = static_cast<Eigen::Index>(runs.size());
  const int h = hidden_;
  const auto input = s.input.view();
  auto summary = s.word_summary.resize(count, 2 * h);
  for (Eigen::Index k = 0; k < count; ++k) {
    summary.row(k).head(h) = input.row(runs[k].second - 1).head(h);
    summary.row(k).tail(h) = input.row(runs[k].first).tail(h);
  }
  run_bidirectional(lstm, units, summary, s.word_gates, s.word_output);
}

void BilstmModel::add_word_feed(const std::vector<int>& words, BilstmScratch& s) const {
  const RunList runs = word_runs(words);
  run_word_lstm(feed_lstm_, word_feed_, runs, s);
  const auto word_output = s.word_output.view();
  auto input = s.input.view();
  Eigen::RowVectorXf fed(feed_w_t_.cols());
  for (std::size_t k = 0; k < runs.size(); ++k) {
    fed.noalias() = word_output.row(static_cast<Eigen::Index>(k)) * feed_w_t_;
    input.middleRows(runs[k].first, runs[k].second - runs[k].first).rowwise() += fed;
  }
}

void BilstmModel::add_word_context(const std::vector<int>& words, BilstmScratch& s) const {
  const RunList runs = word_runs(words);
  const auto count = static_cast<Eigen::Index>(runs.size());
  run_word_lstm(word_lstm_, word_context_, runs, s);
  // Head: relu(mix_char(char output) + mix_word(word output)), the word term once per word
  // (non-letters get none), then out2 added to the scores.
  const auto input = s.input.view();
  const auto word_output = s.word_output.view();
  auto head = s.head.resize(input.rows(), mix_char_w_t_.cols());
  head.noalias() = input * mix_char_w_t_;
  head.rowwise() += mix_char_b_;
  Eigen::RowVectorXf word_term(mix_word_w_t_.cols());
  for (Eigen::Index k = 0; k < count; ++k) {
    word_term.noalias() = word_output.row(k) * mix_word_w_t_;
    head.middleRows(runs[k].first, runs[k].second - runs[k].first).rowwise() += word_term;
  }
  head = head.cwiseMax(0.0f);
  auto logits = s.logits.view();
  logits.noalias() += head * out2_w_t_;
  logits.rowwise() += out2_b_;
}

int BilstmModel::stem_word_id(std::string_view word) const {
  int best = kUnknownWord;
  std::size_t best_letters = 0;
  for_each_stem_split(word, [&](std::string_view, std::string_view stem) {
    const auto it = word_index_.find(stem);
    if (it == word_index_.end()) return;
    const std::size_t n = utf8_length(stem);
    if (best == kUnknownWord || n > best_letters || (n == best_letters && it->second < best)) {
      best = it->second, best_letters = n;
    }
  });
  return best;
}

}  // namespace polyvox
