// Expected failures as values: a kind, a human message and, for invalid input, the JSON path of
// the offending field. One place (error_codes.h) maps kinds to HTTP statuses and CLI exit codes.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace polyvox {

enum class ErrorKind {
  kInvalidInput,     // the caller's input is wrong; `field` names where
  kUnknownProvider,  // a block names a provider that does not exist or cannot be used
  kUnknownVoice,     // a block names a voice its provider does not have
  kNotFound,         // a job, block or file does not exist
  kUnauthenticated,  // no valid credentials
  kForbidden,        // valid credentials, but not allowed
  kRateLimited,      // too many attempts; see retry_after_s
  kQuotaExceeded,    // the user's quota (named in `field`) would be exceeded; see retry_after_s
  kConflict,         // the request does not fit the resource's state (e.g. job not complete)
  kPayloadTooLarge,  // the request body is over the limit
  kSynthesisFailed,  // a provider could not produce usable audio
  kUnavailable,      // a dependency (database, provider, storage) cannot be reached now
  kIo,               // reading or writing a file failed
  kInternal,         // a bug or an impossible state
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;
  std::string field;      // JSON path such as "blocks[3].wait_after_ms"; empty when not about input
  int retry_after_s = 0;  // for kRateLimited, kQuotaExceeded and kUnavailable: when to try again
                          // (0 = unknown)

  // "field: message" when a field is known, else the message.
  std::string to_string() const { return field.empty() ? message : field + ": " + message; }
};

inline Error invalid_input(std::string field, std::string message) {
  return Error{ErrorKind::kInvalidInput, std::move(message), std::move(field)};
}

// A value or an Error. Minimal stand-in for std::expected (C++23).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok().
  const Error& error() const { return std::get<1>(state_); }
  Error&& take_error() { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

// Result of an operation that returns nothing on success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  static Status success() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // REQUIRES: !ok().
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace polyvox
