// The Diacritizer seam: adds Arabic short-vowel marks (U+064B..U+0652) to text before speech
// synthesis. Implementations: embedded, http (seed protocol) and none (text unchanged), each
// registered under that name (diacritizer_kinds.h).
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace polyvox {

class Diacritizer {
 public:
  virtual ~Diacritizer() = default;

  // The configured name ("none", "http", "embedded"). Thread-safe.
  virtual const std::string& name() const = 0;

  // `text` with diacritics added. Every character other than the eight marks is kept as it
  // came, in place; marks already present are kept. Fails with kUnavailable when a remote
  // diacritizer cannot be reached. Thread-safe.
  virtual Result<std::string> diacritize(std::string_view text) = 0;
};

// Leaves text unchanged: the behaviour when no diacritizer is configured.
class NoDiacritizer : public Diacritizer {
 public:
  const std::string& name() const override { return name_; }
  Result<std::string> diacritize(std::string_view text) override { return std::string(text); }

 private:
  std::string name_ = "none";
};

}  // namespace polyvox
