// Bounds how many large request bodies are parsed at once. Parsing a body costs a few times its
// size (the JSON document, then the job model) on top of the body itself; with MAX_BODY_BYTES
// following the job limits (tens of MB), a burst of maximum-size jobs parsed together would
// cost that many times over. Small bodies never wait.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace polyvox {

class ParseGate {
 public:
  // Bodies over `large_bytes` are large; at most `slots` (at least 1) of them are parsed at once.
  ParseGate(std::size_t large_bytes, std::size_t slots)
      : large_bytes_(large_bytes), free_(slots ? slots : 1) {}

  // Holds a slot, if its body needed one, until it is destroyed.
  class Pass {
   public:
    Pass(Pass&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    Pass& operator=(Pass&&) = delete;
    ~Pass() {
      if (gate_) gate_->release();
    }

   private:
    friend class ParseGate;
    explicit Pass(ParseGate* gate) : gate_(gate) {}
    ParseGate* gate_;
  };

  // A pass for parsing a body of `body_bytes`: at once for a small one; for a large one, once a
  // slot is free (blocks the calling thread: call it on the blocking pool, never on an I/O
  // thread). Thread-safe.
  Pass enter(std::size_t body_bytes) {
    if (body_bytes <= large_bytes_) return Pass(nullptr);
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [this] { return free_ > 0; });
    --free_;
    return Pass(this);
  }

 private:
  void release() {
    {
      std::lock_guard lock(mutex_);
      ++free_;
    }
    freed_.notify_one();
  }

  const std::size_t large_bytes_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::size_t free_;
};

}  // namespace polyvox
