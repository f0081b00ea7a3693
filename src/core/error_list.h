// The problems of one input collected in the order they are found, so that a validator reports
// them all at once instead of the first alone: the first is the error, and every one (the first
// included) is a detail of the answer, {"field", "message"}.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace polyvox {

// One of several problems an input has: where it is and what is wrong.
struct ErrorDetail {
  std::string field;  // "blocks[3].text", "blocks[2]"
  std::string message;
};

// At most this many problems are kept and listed.
inline constexpr std::size_t kMaxErrorDetails = 50;

// Not thread-safe.
class ErrorList {
 public:
  // Keeps `error` (its kind too, when it is the first). Past kMaxErrorDetails, further ones are
  // dropped: full() tells a validator it may stop looking.
  void add(Error error) {
    if (errors_.size() < kMaxErrorDetails) errors_.push_back(std::move(error));
  }
  void add(const Status& status) {
    if (!status) add(status.error());
  }

  bool empty() const { return errors_.empty(); }
  bool full() const { return errors_.size() >= kMaxErrorDetails; }

  // The first error. REQUIRES: !empty().
  const Error& first() const { return errors_.front(); }

  // Every error kept, the first included, in the order added.
  std::vector<ErrorDetail> details() const {
    std::vector<ErrorDetail> out;
    out.reserve(errors_.size());
    for (const Error& e : errors_) out.push_back({e.field, e.message});
    return out;
  }

 private:
  std::vector<Error> errors_;
};

}  // namespace polyvox
