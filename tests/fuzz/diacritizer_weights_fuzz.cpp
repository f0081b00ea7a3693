// The diacritizer's weights reader (text/bilstm_model.h) on arbitrary bytes: it fails cleanly or
// gives a model whose sizes lie within the reader's limits and which runs on a line (ids from
// its own vocabulary and word list) to one row of 15 scores per character.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "text/bilstm_model.h"

using polyvox::BilstmModel;
using polyvox::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto model = BilstmModel::parse(bytes, "fuzz.bin");
  if (!model) {
    check(!model.error().message.empty(), "a rejected file gets a message");
    return 0;
  }
  check(model->max_segment_chars() >= 1 &&
            model->max_segment_chars() <= BilstmModel::kMaxSegmentChars,
        "the segment length lies within the limits");
  // "وكتبه الولد 12 a": letters, a space, digits, Latin; word ids as the diacritizer gives them
  // (the first word through its stem for a word_stems model whose list has it).
  const std::u32string line = U"وكتبه الولد 12 a";
  const std::vector<std::string> words = {"وكتبه", "الولد"};
  std::vector<int> ids, hints, word_ids;
  for (std::size_t i = 0; i < line.size(); ++i) {
    ids.push_back(model->input_id(line[i]));
    hints.push_back(static_cast<int>(i % 16));
    const int word = i < 5 ? 0 : (i >= 6 && i < 11) ? 1 : -1;
    word_ids.push_back(!model->has_words() ? 0
                       : word < 0          ? BilstmModel::kNoWord
                                           : model->word_id(words[static_cast<std::size_t>(word)]));
  }
  for (const int id : word_ids) {
    check(model->word_of(id).empty() == (id <= BilstmModel::kUnknownWord),
          "a listed word id names its word, the others none");
  }
  if (!model->has_words()) word_ids.clear();
  polyvox::BilstmScratch scratch;
  const auto& logits = model->run(ids, hints, word_ids, scratch);
  check(logits.rows() == static_cast<Eigen::Index>(line.size()) && logits.cols() == 15,
        "one row of 15 scores per character");
  return 0;
}
