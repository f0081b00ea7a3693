// Tells the process that a request has ended (ServeProcess hands the memory requests freed back
// to the system: app/memory_releaser.h).
#pragma once

#include <functional>
#include <utility>

#include "api/middleware.h"

namespace polyvox {

class RequestEndMiddleware : public Middleware {
 public:
  // `on_end` runs after every request, on the thread that ends it: it must not wait.
  explicit RequestEndMiddleware(std::function<void()> on_end) : on_end_(std::move(on_end)) {}
  void after(const Exchange&) override { on_end_(); }

 private:
  std::function<void()> on_end_;
};

}  // namespace polyvox
