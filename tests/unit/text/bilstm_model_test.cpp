// The diacritizer's weights reader on hostile files: the seeds of the weights fuzz target
// (tests/fuzz/corpus/diacritizer_weights), small models written by tools/train_diacritizer
// (model.export) and variants of one with a header field made invalid, each of which must be
// refused with a message naming the file and what is wrong.
#include "text/bilstm_model.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "weights_header.h"

namespace polyvox {
namespace {

std::string seed(const std::string& name) {
  const std::string path =
      std::string(POLYVOX_SOURCE_DIR) + "/tests/fuzz/corpus/diacritizer_weights/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(BilstmModelTest, SmallModelsOfEveryKindLoadAndRun) {
  for (const char* name : {"small.bin", "bf16_hidden32.bin", "words_context_feed.bin",
                           "words_stems.bin", "int8_hidden32.bin"}) {
    auto model = BilstmModel::parse(seed(name), name);
    ASSERT_TRUE(model) << name << ": " << model.error().to_string();
    EXPECT_EQ(model->max_segment_chars(), 40) << name;
    const std::vector<int> ids = {model->input_id(U'ك'), model->input_id(U'ت'),
                                  model->input_id(U'ب'), model->input_id(U'€')};
    std::vector<int> words;
    if (model->has_words()) {
      const int w = model->word_id("كتب");
      EXPECT_NE(w, BilstmModel::kUnknownWord) << name;
      words = {w, w, w, BilstmModel::kNoWord};
    }
    BilstmScratch scratch;
    const auto& logits = model->run(ids, {0, 1, 0, 0}, words, scratch);
    EXPECT_EQ(logits.rows(), 4) << name;
    EXPECT_EQ(logits.cols(), 15) << name;
    EXPECT_TRUE(logits.allFinite()) << name;
  }
}

TEST(BilstmModelTest, InvalidHeaderFieldsAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad_segment_zero.bin", "max_segment_chars must be an integer from 1 to 10000"},
      {"bad_segment_negative.bin", "max_segment_chars"},
      {"bad_other_id.bin", "other_id must be an integer from 0 to 63"},
      {"bad_hidden_negative.bin", "hidden must be an integer from 1 to 1024"},
      {"bad_hidden_float.bin", "hidden must be an integer"},
      {"bad_layers_zero.bin", "layers must be an integer from 1 to 8"},
      {"bad_vocab_huge.bin", "vocab_size must be an integer from 1 to 4096"},
      {"bad_vocab_id.bin", "vocabulary entry out of range"},
      {"bad_offset_wraps.bin", "tensors do not match the header"},
      {"bad_offset_negative.bin", "tensors do not match the header"},
      {"bad_shape_negative.bin", "hidden must be an integer"},
      {"truncated.bin", "tensors do not match the header"},
      {"header_only.bin", "truncated"},
  };
  for (const auto& [name, why] : cases) {
    auto model = BilstmModel::parse(seed(name), "dir/" + name);
    ASSERT_FALSE(model) << name;
    EXPECT_EQ(model.error().kind, ErrorKind::kInvalidInput) << name;
    EXPECT_NE(model.error().message.find("dir/" + name), std::string::npos)
        << model.error().message;
    EXPECT_NE(model.error().message.find(why), std::string::npos) << model.error().message;
  }
}

using testing_weights::with_header_change;

TEST(BilstmModelTest, WrongTypesInTheHeaderAreErrors) {
  const std::string file = seed("small.bin");
  ASSERT_TRUE(BilstmModel::parse(with_header_change(file, "\"model\"", "\"model\""), "x"));
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"\"hidden\":2", "\"hidden\":\"2\""},
                                                        {"\"hidden\":2", "\"hidden\":true"},
                                                        {"\"vocab\":[", "\"vocab\":5,\"x\":["},
                                                        {"\"tensors\":[", "\"tensors\":7,\"x\":["},
                                                        {"\"offset\":0", "\"offset\":\"0\""},
                                                        {"\"offset\":0", "\"offset\":0.5"},
                                                        {"\"shape\":[64,2]", "\"shape\":\"64x2\""},
                                                        {"\"name\":\"char_emb\"", "\"name\":3"},
                                                        {"{", "["}}) {
    auto model = BilstmModel::parse(with_header_change(file, from, to), "x.bin");
    ASSERT_FALSE(model) << to;
    EXPECT_NE(model.error().message.find("x.bin"), std::string::npos) << model.error().message;
  }
}

// A network trained with stems ("word_stems": 1) reads a word not in its list as its stem's id
// (arabic.WordIndex.id_of): the longest known stem, then the lowest id, ta' marbuta restored
// before a suffix; without the field the same word is unknown.
TEST(BilstmModelTest, WordStemsReadAnUnknownWordAsItsStem) {
  const std::string file =
      with_header_change(seed("words_context_feed.bin"), "\"words\":\"كتب الولد في\"",
                         "\"words\":\"كتبه وكتب مدرسة\"");
  const auto plain = BilstmModel::parse(file, "plain.bin");
  ASSERT_TRUE(plain) << plain.error().to_string();
  EXPECT_FALSE(plain->word_stems());
  EXPECT_EQ(plain->word_id("وكتب"), 3);
  EXPECT_EQ(plain->word_id("فكتبه"), BilstmModel::kUnknownWord);

  const auto stems = BilstmModel::parse(
      with_header_change(file, "\"words\":", "\"word_stems\":1,\"words\":"), "stems.bin");
  ASSERT_TRUE(stems) << stems.error().to_string();
  EXPECT_TRUE(stems->word_stems());
  EXPECT_EQ(stems->word_id("وكتب"), 3);  // in the list: its own id
  EXPECT_EQ(stems->word_of(2), "كتبه");
  EXPECT_EQ(stems->word_of(4), "مدرسة");
  EXPECT_EQ(stems->word_of(BilstmModel::kUnknownWord), "");
  EXPECT_EQ(stems->word_of(BilstmModel::kNoWord), "");
  EXPECT_EQ(stems->word_of(5), "");
  EXPECT_EQ(stems->word_of(-3), "");
  EXPECT_EQ(stems->word_id("فكتبه"), 2);  // ف + كتبه
  EXPECT_EQ(stems->word_id("وكتبه"), 2);  // وكتب+ه and و+كتبه: same length, the lower id
  EXPECT_EQ(stems->word_id("وكتبهم"), 3);  // وكتب+هم (و+كتب+هم: كتب is not in the list)
  EXPECT_EQ(stems->word_id("مدرستها"), 4);   // مدرست+ها read as مدرسة
  EXPECT_EQ(stems->word_id("والمدرسة"), 4);  // وال + مدرسة
  EXPECT_EQ(stems->word_id("بمدرسة"), 4);
  EXPECT_EQ(stems->word_id("زيد"), BilstmModel::kUnknownWord);
  EXPECT_EQ(stems->word_id("المدرستان"), 4);  // ال + مدرست + ان, read as مدرسة
  // Without a suffix a final ta' stays ta': مدرست is no known word.
  EXPECT_EQ(stems->word_id("بمدرست"), BilstmModel::kUnknownWord);
  EXPECT_EQ(stems->word_id("كه"), BilstmModel::kUnknownWord);  // no stem of two letters

  const auto off = BilstmModel::parse(
      with_header_change(file, "\"words\":", "\"word_stems\":0,\"words\":"), "off.bin");
  ASSERT_TRUE(off) << off.error().to_string();
  EXPECT_EQ(off->word_id("فكتبه"), BilstmModel::kUnknownWord);
}

// "recurrent_int8": 1 runs the character layers' recurrent products in int8
// (int8_recurrence.h): the same network, its scores moved by the rounding only.
TEST(ScratchMatrixTest, GrowsToTheLargestShapeAndKeepsItsMemory) {
  ScratchMatrix m;
  EXPECT_EQ(m.capacity(), 0);
  auto first = m.resize(3, 4);
  EXPECT_EQ(first.rows(), 3);
  EXPECT_EQ(first.cols(), 4);
  EXPECT_EQ(m.capacity(), 12);
  const float* memory = first.data();
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(memory) % EIGEN_MAX_ALIGN_BYTES, 0u);
  first.setConstant(1.5f);
  // A shape that fits views the same memory, row-major from its start.
  const auto fits = m.resize(2, 5);
  EXPECT_EQ(fits.data(), memory);
  EXPECT_EQ(m.capacity(), 12);
  EXPECT_EQ(m.rows(), 2);
  EXPECT_EQ(m.cols(), 5);
  EXPECT_EQ(&fits(1, 0), memory + 5);
  // A larger one grows the buffer, and it stays that large.
  m.resize(5, 4).setConstant(2.0f);
  EXPECT_EQ(m.capacity(), 20);
  m.resize(1, 1);
  EXPECT_EQ(m.capacity(), 20);
  EXPECT_EQ(m.view()(0, 0), 2.0f);

  ScratchMatrix other;
  other.resize(1, 3).setConstant(7.0f);
  const float* others = other.view().data();
  m.swap(other);
  EXPECT_EQ(m.rows(), 1);
  EXPECT_EQ(m.cols(), 3);
  EXPECT_EQ(m.view().data(), others);
  EXPECT_EQ(m.view()(0, 2), 7.0f);
  EXPECT_EQ(other.capacity(), 20);
}

// One scratch reused over inputs of growing and shrinking lengths (as a diacritizer reuses it
// line after line) gives exactly what a fresh scratch gives for each: nothing of an earlier,
// longer input leaks into a later one.
TEST(BilstmModelTest, AReusedScratchGivesWhatAFreshOneGives) {
  for (const char* name : {"small.bin", "words_context_feed.bin", "words_stems.bin", "residual.bin",
                           "int8_hidden32.bin"}) {
    const auto model = BilstmModel::parse(seed(name), name);
    ASSERT_TRUE(model) << name << ": " << model.error().to_string();
    BilstmScratch reused;
    const std::vector<std::vector<std::string>> inputs = {
        {"كتبه", "كتب", "كتبه"}, {"كتب"}, {"كتب", "كتبه", "كتب", "كتبه"}, {"ه"}};
    for (const auto& text : inputs) {
      std::vector<int> ids, hints, words;
      for (const std::string& word : text) {
        if (!ids.empty()) {  // a space between words
          ids.push_back(model->input_id(U' '));
          hints.push_back(0);
          words.push_back(BilstmModel::kNoWord);
        }
        const int id = model->has_words() ? model->word_id(word) : 0;
        for (std::size_t i = 0; i + 1 < word.size(); i += 2) {  // two-byte letters
          const auto cp = static_cast<char32_t>(((word[i] & 0x1F) << 6) | (word[i + 1] & 0x3F));
          ids.push_back(model->input_id(cp));
          hints.push_back(0);
          words.push_back(id);
        }
      }
      if (!model->has_words()) words.clear();
      BilstmScratch fresh;
      const RowMatrix expected = model->run(ids, hints, words, fresh);
      const auto got = model->run(ids, hints, words, reused);
      ASSERT_EQ(got.rows(), static_cast<Eigen::Index>(ids.size())) << name;
      EXPECT_TRUE(got == expected) << name << ", " << ids.size() << " characters";
    }
  }
}

TEST(BilstmModelTest, Int8RecurrenceRunsTheSameNetwork) {
  for (const char* name :
       {"bf16_hidden32.bin", "words_context_feed.bin", "small.bin", "residual.bin"}) {
    const std::string file = seed(name);
    const auto plain = BilstmModel::parse(file, name);
    const auto int8 = BilstmModel::parse(
        with_header_change(file, "\"model\"", "\"recurrent_int8\":1,\"model\""), name);
    ASSERT_TRUE(plain) << plain.error().to_string();
    ASSERT_TRUE(int8) << int8.error().to_string();
    const std::vector<int> ids = {plain->input_id(U'ك'), plain->input_id(U'ت'),
                                  plain->input_id(U'ب'), plain->input_id(U'ه')};
    std::vector<int> words;
    if (plain->has_words()) words = std::vector<int>(4, plain->word_id("كتبه"));
    BilstmScratch a, b;
    const RowMatrix& expected = plain->run(ids, {0, 0, 2, 0}, words, a);
    const RowMatrix& got = int8->run(ids, {0, 0, 2, 0}, words, b);
    ASSERT_EQ(got.rows(), 4);
    EXPECT_TRUE(got.allFinite()) << name;
    const float worst = (got - expected).cwiseAbs().maxCoeff();
    EXPECT_LT(worst, 0.05f * (1.0f + expected.cwiseAbs().maxCoeff())) << name;
  }
  const std::string file = seed("small.bin");
  for (const std::string& value : {"2", "-1", "\"1\"", "true", "1.5"}) {
    auto model = BilstmModel::parse(
        with_header_change(file, "\"model\"", "\"recurrent_int8\":" + value + ",\"model\""),
        "x.bin");
    ASSERT_FALSE(model) << value;
    EXPECT_NE(model.error().message.find("recurrent_int8 must be an integer from 0 to 1"),
              std::string::npos)
        << model.error().message;
  }
}

// Residual character layers (train.py --residual-layers): x += BiLSTM(x) * res_w after the
// stacked layers. residual.bin is words_context_feed.bin with one such layer added (model.py),
// its res_w drawn at random: with res_w zeroed it computes what words_context_feed.bin does.
TEST(BilstmModelTest, ResidualLayersAddToTheStackedOnes) {
  const std::string file = seed("residual.bin");
  const auto model = BilstmModel::parse(file, "residual.bin");
  const auto plain = BilstmModel::parse(seed("words_context_feed.bin"), "plain.bin");
  ASSERT_TRUE(model) << model.error().to_string();
  ASSERT_TRUE(plain) << plain.error().to_string();
  const std::vector<int> ids = {model->input_id(U'ك'), model->input_id(U'ت'), model->input_id(U'ب'),
                                model->input_id(U'ه')};
  const std::vector<int> words(4, model->word_id("كتبه"));
  BilstmScratch a, b, c;
  const RowMatrix with = model->run(ids, {0, 0, 2, 0}, words, a);
  const RowMatrix without = plain->run(ids, {0, 0, 2, 0}, words, b);
  EXPECT_TRUE(with.allFinite());
  EXPECT_GT((with - without).cwiseAbs().maxCoeff(), 1e-3f);

  // res_w (the file's last tensor, 2H x 2H = 16 floats here) zeroed: the residual layer adds 0.
  std::string zeroed = file;
  std::fill(zeroed.end() - 16 * sizeof(float), zeroed.end(), '\0');
  const auto silent = BilstmModel::parse(zeroed, "zeroed.bin");
  ASSERT_TRUE(silent) << silent.error().to_string();
  EXPECT_EQ(silent->run(ids, {0, 0, 2, 0}, words, c), without);

  // Without their tensors, or with a count out of range, the file is refused by name.
  for (const auto& [changed, why] : std::vector<std::pair<std::string, std::string>>{
           {with_header_change(seed("small.bin"), "\"model\"", "\"residual_layers\":1,\"model\""),
            "residual layer tensors do not match the header"},
           {with_header_change(file, "\"residual_layers\":1", "\"residual_layers\":2"),
            "residual layer tensors do not match the header"},
           {with_header_change(file, "\"residual_layers\":1", "\"residual_layers\":-1"),
            "residual_layers must be an integer from 0 to 8"},
           {with_header_change(file, "\"residual_layers\":1", "\"residual_layers\":\"1\""),
            "residual_layers must be an integer from 0 to 8"}}) {
    const auto refused = BilstmModel::parse(changed, "x.bin");
    ASSERT_FALSE(refused) << why;
    EXPECT_NE(refused.error().message.find(why), std::string::npos) << refused.error().message;
  }
}

TEST(BilstmModelTest, InvalidWordStemsAreNamed) {
  const std::string words = seed("words_context_feed.bin");
  for (const auto& [file, why] : std::vector<std::pair<std::string, std::string>>{
           {with_header_change(words, "\"words\":", "\"word_stems\":2,\"words\":"),
            "word_stems must be an integer from 0 to 1"},
           {with_header_change(words, "\"words\":", "\"word_stems\":true,\"words\":"),
            "word_stems must be an integer"},
           {with_header_change(seed("small.bin"), "\"model\"", "\"word_stems\":1,\"model\""),
            "word_stems without a word list"}}) {
    auto model = BilstmModel::parse(file, "x.bin");
    ASSERT_FALSE(model) << why;
    EXPECT_NE(model.error().message.find("x.bin"), std::string::npos) << model.error().message;
    EXPECT_NE(model.error().message.find(why), std::string::npos) << model.error().message;
  }
}

}  // namespace
}  // namespace polyvox
