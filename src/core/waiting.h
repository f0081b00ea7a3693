// Whether the calling thread may wait on a disk or the network. An HTTP I/O thread must never
// wait, so it may try a read-only handler under a NoWaitScope first: a store call that would
// wait (a SQLite read that its in-memory cache cannot answer, any Redis command) refuses at
// once instead, and the server runs the handler again on a thread that may wait. Most polls
// are answered from memory without a thread hop; nothing ever waits on an I/O thread.
#pragma once

#include <string>

#include "core/error.h"

namespace polyvox {

namespace waiting_detail {
// Per thread, so that the flag of one I/O thread's attempt never leaks into another thread.
inline thread_local bool no_wait = false;
inline thread_local bool refused = false;
}  // namespace waiting_detail

// False inside a NoWaitScope on this thread.
inline bool may_wait() { return !waiting_detail::no_wait; }

// What a store returns instead of waiting when may_wait() is false: kUnavailable naming `what`,
// and the scope learns that its attempt must be made again elsewhere.
inline Error refuse_to_wait(const std::string& what) {
  waiting_detail::refused = true;
  return Error{ErrorKind::kUnavailable, "would wait for " + what, ""};
}

// Makes may_wait() false on this thread while it lives. Not nestable.
class NoWaitScope {
 public:
  NoWaitScope() {
    waiting_detail::no_wait = true;
    waiting_detail::refused = false;
  }
  ~NoWaitScope() {
    waiting_detail::no_wait = false;
    waiting_detail::refused = false;
  }
  NoWaitScope(const NoWaitScope&) = delete;
  NoWaitScope& operator=(const NoWaitScope&) = delete;

  // Whether a call refused to wait during the scope: what ran must run again where it may.
  bool refused() const { return waiting_detail::refused; }
};

}  // namespace polyvox
