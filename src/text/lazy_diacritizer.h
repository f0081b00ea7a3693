// A Diacritizer built on first use: a process that never sees an Arabic block (an API node, a
// job of English voices) never loads a model into memory. The factory's error, if any, is
// returned by every call.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "text/diacritizer.h"

namespace polyvox {

class LazyDiacritizer : public Diacritizer {
 public:
  using Factory = std::function<Result<std::unique_ptr<Diacritizer>>()>;

  LazyDiacritizer(std::string name, Factory factory)
      : name_(std::move(name)), factory_(std::move(factory)) {}

  const std::string& name() const override { return name_; }

  // Thread-safe; the first call builds the diacritizer (once).
  Result<std::string> diacritize(std::string_view text) override {
    std::call_once(once_, [this] {
      auto built = factory_();
      if (built) {
        inner_ = std::move(built.value());
      } else {
        error_ = built.take_error();
      }
    });
    if (!inner_) return error_;
    return inner_->diacritize(text);
  }

 private:
  std::string name_;
  Factory factory_;
  std::once_flag once_;
  std::unique_ptr<Diacritizer> inner_;
  Error error_;
};

}  // namespace polyvox
