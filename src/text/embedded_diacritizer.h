// The "embedded" Diacritizer: a character-level BiLSTM (bilstm_model.h) run in-process, with
// the marks already in the text kept and used as constraints.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "text/diacritizer.h"

namespace polyvox {

class BilstmModel;  // bilstm_model.h: Eigen stays out of this header (it is built for
                    // the native CPU in polyvox_text only)

class EmbeddedDiacritizer : public Diacritizer {
 public:
  // Name of the weights file inside the models directory.
  static constexpr const char* kModelFile = "arabic_diacritizer.bin";

  // Loads the weights at `model_path`; fails with kInvalidInput naming the file when it cannot
  // be read or is not a diacritizer weights file.
  static Result<std::unique_ptr<EmbeddedDiacritizer>> create(const std::string& model_path);
  ~EmbeddedDiacritizer() override;

  const std::string& name() const override { return name_; }

  // Diacritizes each line of `text` (lines end at '\n') with diacritize_line. Fails with
  // kInvalidInput when `text` is not valid UTF-8. Thread-safe (weights are shared read-only).
  Result<std::string> diacritize(std::string_view text) override;

  // One line, without its '\n': every character other than the marks U+064B..U+0652 comes out
  // as it came, in place. Each of the 36 Arabic letters gets the marks the model chooses among
  // those compatible with the marks it already carries (arabic::allowed_classes); added marks
  // follow the given ones. A line without Arabic letters comes out unchanged.
  // REQUIRES: `line` is valid UTF-8. Thread-safe.
  std::string diacritize_line(std::string_view line) const;

 private:
  explicit EmbeddedDiacritizer(std::unique_ptr<const BilstmModel> model);

  std::string name_ = "embedded";
  std::unique_ptr<const BilstmModel> model_;  // read-only after loading: shared by all threads
};

}  // namespace polyvox
