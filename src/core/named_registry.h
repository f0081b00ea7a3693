// The implementations of one seam by the name the configuration gives them ("s3", "openai",
// "embedded"), in the order they were registered. Each seam has its own descriptor type (what
// one implementation registers: its name, defaults, settings checks, factory) and a registry of
// them (providers/provider_kinds.h, storage/blob_store_kinds.h, text/diacritizer_kinds.h); the
// registrations themselves are written in src/app, the only place that names concrete classes.
// A registry is a plain value built by the caller: no process-wide instance, no self-registration.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polyvox {

// `Kind` is a descriptor with a `std::string name` member.
template <typename Kind>
class NamedRegistry {
 public:
  // Adds `kind` under kind.name. Throws std::logic_error when the name is empty or already
  // registered (a programmer error). Not thread-safe: register everything before sharing.
  void add(Kind kind) {
    if (kind.name.empty() || find(kind.name)) {
      throw std::logic_error("registry: empty or duplicate name '" + kind.name + "'");
    }
    kinds_.push_back(std::move(kind));
  }

  // The kind registered as `name` (exact, case-sensitive match), or nullptr. The pointer stays
  // valid until the next add() and while the registry lives (so not on a temporary registry).
  // Safe for concurrent use once registration is over.
  const Kind* find(std::string_view name) const& {
    for (const Kind& kind : kinds_) {
      if (kind.name == name) return &kind;
    }
    return nullptr;
  }
  const Kind* find(std::string_view name) const&& = delete;

  // Every kind, in registration order. On a temporary registry (`for (auto& k :
  // provider_kinds().all())`) the kinds are moved out, so that the loop does not read a
  // destroyed registry.
  const std::vector<Kind>& all() const& { return kinds_; }
  std::vector<Kind> all() && { return std::move(kinds_); }

  // The names as the choice an error message offers, in registration order: "a", "a or b",
  // "a, b or c". Empty for an empty registry.
  std::string names_as_choice() const {
    std::string out;
    for (std::size_t i = 0; i < kinds_.size(); ++i) {
      if (i > 0) out += i + 1 == kinds_.size() ? " or " : ", ";
      out += kinds_[i].name;
    }
    return out;
  }

 private:
  std::vector<Kind> kinds_;
};

}  // namespace polyvox
