// The embedded diacritizer's network: character + hint embeddings (+ the embedding of the word
// each character belongs to, for a model with a word list), a stack of bidirectional LSTM layers
// and a linear layer to the 15 mark classes; for a model with word context, a bidirectional
// word-level LSTM over per-word summaries of the last layer and a residual head that adds its
// view of each letter's word to the scores, and optionally a second word-level LSTM over the
// first layer's summaries that feeds the second layer; optionally residual character layers
// after the stack (x += BiLSTM(x) * res_w), before the output. Reads the weights file written by
// tools/train_diacritizer/model.py (its format and the network are described there).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "text/huge_pages.h"
#include "text/int8_recurrence.h"

namespace polyvox {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Working memory viewed as a row-major matrix of any shape that fits: resize(rows, cols) maps
// the first rows x cols floats of a buffer that grows when a shape needs more and never shrinks.
// Reused across calls it allocates only while the longest input so far grows: an Eigen matrix
// resized to each new line's length would free and allocate its memory every time, and where
// large blocks are mapped on their own (the commands that run jobs fix glibc's mmap threshold:
// app/process_memory.h) every fresh block costs a page fault per 4 KiB touched, which tripled
// the network's CPU time per line.
class ScratchMatrix {
 public:
  using View = Eigen::Map<RowMatrix, Eigen::AlignedMax>;
  using ConstView = Eigen::Map<const RowMatrix, Eigen::AlignedMax>;

  // A rows x cols view; its contents are unspecified until written (what the memory held).
  View resize(Eigen::Index rows, Eigen::Index cols) {
    if (rows * cols > storage_.size()) storage_.resize(rows * cols);
    rows_ = rows, cols_ = cols;
    return view();
  }
  View view() { return View(storage_.data(), rows_, cols_); }
  ConstView view() const { return ConstView(storage_.data(), rows_, cols_); }
  Eigen::Index rows() const { return rows_; }
  Eigen::Index cols() const { return cols_; }
  // Floats held (the largest shape so far).
  Eigen::Index capacity() const { return storage_.size(); }
  void swap(ScratchMatrix& other) noexcept {
    storage_.swap(other.storage_);
    std::swap(rows_, other.rows_);
    std::swap(cols_, other.cols_);
  }

 private:
  Eigen::VectorXf storage_;  // aligned to EIGEN_MAX_ALIGN_BYTES
  Eigen::Index rows_ = 0;
  Eigen::Index cols_ = 0;
};

// Per-call working memory of BilstmModel::run. Reusing one across calls avoids allocations; one
// instance must not be used by two threads at once.
struct BilstmScratch {
  ScratchMatrix input;   // T x features of the current layer
  ScratchMatrix output;  // T x 2H
  ScratchMatrix gates;   // T x 4H, input projection of one direction
  ScratchMatrix logits;  // T x classes
  // Word context only:
  ScratchMatrix word_summary;  // words x 2H
  ScratchMatrix word_gates;    // words x 4 word_context
  ScratchMatrix word_output;   // words x 2 word_context
  ScratchMatrix head;          // T x head hidden
};

class BilstmModel {
 public:
  // Loads a weights file. Fails with kInvalidInput naming the file when it is missing, not a
  // weights file, larger than memory, or its tensors do not match its header. Takes about a
  // hundred milliseconds (most of it the word list).
  static Result<BilstmModel> load(const std::string& path);

  // The same from the file's bytes; `name` (the path) names it in errors. The bytes are treated
  // as hostile: every size, id and offset the header gives is checked (sizes within the limits
  // below, tensors inside the data, ids inside their tables) before anything is allocated or
  // read, so a malformed file is an error, never a crash or an outsized allocation.
  static Result<BilstmModel> parse(std::string_view bytes, const std::string& name);

  // Limits on the header's sizes (the committed model: vocabulary 64, embedding 64, hidden 128,
  // 2 layers, word layers 64, segments of 800 characters).
  static constexpr long kMaxVocab = 4096;
  static constexpr long kMaxWidth = 1024;  // embedding, hidden, word_context, head, word_feed
  static constexpr long kMaxLayers = 8;
  static constexpr long kMaxSegmentChars = 10000;

  // Input id of a character (the "other" id for characters the model does not know).
  int input_id(char32_t cp) const {
    auto it = vocab_.find(cp);
    return it == vocab_.end() ? other_id_ : it->second;
  }

  // Word ids of the model input (arabic.py): 0 = not a letter, 1 = a word not in the list.
  static constexpr int kNoWord = 0;
  static constexpr int kUnknownWord = 1;

  // True when the model reads word ids (its file has a word list).
  bool has_words() const { return !word_index_.empty(); }

  // Input id of a word (a run of the 36 letters, valid UTF-8): its own when in the list; else,
  // for a network trained with stems (the file's "word_stems": 1), the id of its stem when the
  // list has one (stem_splits.h: the longest such stem, then the most frequent, i.e. the lowest
  // id, then the first split), as arabic.WordIndex.id_of; else kUnknownWord.
  int word_id(std::string_view word) const {
    auto it = word_index_.find(word);
    if (it != word_index_.end()) return it->second;
    return word_stems_ ? stem_word_id(word) : kUnknownWord;
  }

  // True when words not in the list read their stem's id (the file's "word_stems": 1).
  bool word_stems() const { return word_stems_; }

  // The word of a word id of the list (word_id's results but kNoWord and kUnknownWord); empty
  // for other ids.
  std::string_view word_of(int id) const {
    const auto k = static_cast<std::size_t>(id - kUnknownWord - 1);
    return id > kUnknownWord && k < words_by_id_.size() ? words_by_id_[k] : std::string_view();
  }

  // Class scores for each position: row t of the result holds the scores of ids[t].
  // REQUIRES: ids.size() == hints.size() > 0; ids in [0, vocab size); hints in [0, 16)
  // (0 = no marks given, else 1 + the class of the given marks); words empty when the model has
  // no word list, else words.size() == ids.size() and each the word_id of the word position t
  // belongs to (kNoWord when it is not a letter). The result lives in `scratch`.
  // Thread-safe: the model is read-only; each thread passes its own scratch.
  ScratchMatrix::ConstView run(const std::vector<int>& ids, const std::vector<int>& hints,
                               const std::vector<int>& words, BilstmScratch& scratch) const;

  // Longest segment inference cuts a line into, in characters: 1 to kMaxSegmentChars (the file's
  // max_segment_chars; a file without one, or outside that range, does not load).
  int max_segment_chars() const { return max_segment_chars_; }

 private:
  // word_id's fallback for a word not in the list: its best stem's id, else kUnknownWord.
  int stem_word_id(std::string_view word) const;

  struct Direction {
    RowMatrix w_ih_t;     // in x 4H (transposed for the input projection); layer 0: for
                          // the word embeddings only
    RowMatrix char_proj;  // layer 0 only: vocab x 4H, char_emb * w_ih_t + bias
    RowMatrix hint_proj;  // layer 0 only: 16 x 4H, hint_emb * w_ih_t
    RowMatrix w_hh_t;     // H x 4H (empty once w_hh_int8 holds it)
    // w_hh_t as bfloat16 when the file's recurrent weights are bfloat16 values: the same
    // numbers in half the bytes, which the recurrence streams from cache at every character.
    // Rows 2i and 2i+1 are interleaved: entry (i, c) holds row 2i's value in its low half and
    // row 2i+1's in its high half. Empty otherwise.
    std::vector<std::uint32_t> w_hh_t_bf16_pairs;
    // w_hh_t rounded to int8 (the file's "recurrent_int8": 1; character layers only), which
    // the recurrence then multiplies instead of the float or bfloat16 values. Empty otherwise.
    std::optional<Int8Recurrence> w_hh_int8;
    Eigen::RowVectorXf bias;  // 4H
  };
  struct Layer {
    Direction forward, backward;
  };

  // Runs one direction of hidden size `h` over `gates` (its input projection plus bias) into
  // output's columns [column, column + h).
  static void run_recurrence(const Direction& d, int h, const Eigen::Ref<const RowMatrix>& gates,
                             bool reverse, int column, ScratchMatrix::View output);

  // Runs both directions of `layer` (`units` per direction) over `input` into `output` (rows as
  // input's, 2 units columns), its input projections computed into `gates`.
  static void run_bidirectional(const Layer& layer, int units,
                                const Eigen::Ref<const RowMatrix>& input, ScratchMatrix& gates,
                                ScratchMatrix& output);

  // The words of a segment: [first, end) of each run of positions with a word id.
  using RunList = std::vector<std::pair<Eigen::Index, Eigen::Index>>;
  static RunList word_runs(const std::vector<int>& words);

  // Runs the word-level `lstm` (`units` per direction) over the summaries of `runs` in s.input
  // (a character layer's output) into s.word_output (one row per word).
  void run_word_lstm(const Layer& lstm, int units, const RunList& runs, BilstmScratch& s) const;

  // Adds the word feed to s.input (the first layer's output) before the second layer reads it.
  void add_word_feed(const std::vector<int>& words, BilstmScratch& s) const;

  // Adds the word-context head's scores to s.logits (s.input: the last layer's output).
  void add_word_context(const std::vector<int>& words, BilstmScratch& s) const;

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  int hidden_ = 0;
  int other_id_ = 1;
  int max_segment_chars_ = 0;
  std::unordered_map<char32_t, int> vocab_;
  std::unordered_map<std::string, int, StringHash, std::equal_to<>> word_index_;
  bool word_stems_ = false;
  std::vector<std::string_view> words_by_id_;  // word_index_'s keys by id (nodes do not move)
  // words x embedding_ floats, row-major (empty without a word list): the largest table, on
  // huge pages (huge_pages.h).
  HugeBytes word_emb_;
  long embedding_ = 0;
  std::vector<Layer> layers_;
  // Residual character layers (model.py), after layers_: input += BiLSTM(input) * res_w_t.
  struct Residual {
    Layer lstm;         // input 2H
    RowMatrix res_w_t;  // 2H x 2H
  };
  std::vector<Residual> residual_;
  RowMatrix out_w_t_;  // 2H x classes
  Eigen::RowVectorXf out_b_;
  // Word context (model.py), absent when word_context_ is 0.
  int word_context_ = 0;
  Layer word_lstm_;         // input 2H (w_ih_t: 2H x 4 word_context)
  RowMatrix mix_char_w_t_;  // 2H x head hidden
  Eigen::RowVectorXf mix_char_b_;
  RowMatrix mix_word_w_t_;  // 2 word_context x head hidden
  RowMatrix out2_w_t_;      // head hidden x classes
  Eigen::RowVectorXf out2_b_;
  // Word feed (model.py), absent when word_feed_ is 0: a word LSTM over the first layer's
  // summaries whose output, mapped by feed_w, is added to the second layer's input.
  int word_feed_ = 0;
  Layer feed_lstm_;     // input 2H (w_ih_t: 2H x 4 word_feed)
  RowMatrix feed_w_t_;  // 2 word_feed x 2H
};

}  // namespace polyvox
