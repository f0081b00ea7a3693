#include "jobs/sqlite/reader_pool.h"

#include <utility>

namespace polyvox::sqlite {

ReaderPool::ReaderPool(std::filesystem::path path, ConnectionOptions options,
                       std::size_t max_connections)
    : path_(std::move(path)), options_(options), max_connections_(max_connections) {}

ReaderPool::~ReaderPool() = default;

Result<ReaderPool::Lease> ReaderPool::acquire() {
  {
    std::unique_lock lock(mu_);
    if (idle_.empty() && open_ >= max_connections_) {
      ++waiting_;
      returned_.wait(lock, [&] { return !idle_.empty() || open_ < max_connections_; });
      --waiting_;
    }
    if (!idle_.empty()) {
      std::unique_ptr<Connection> warmest = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(warmest));
    }
    ++open_;  // this thread opens one, outside the lock
  }
  auto opened = Connection::open(path_, options_);
  if (!opened) {
    std::lock_guard lock(mu_);
    --open_;
    returned_.notify_one();  // another waiter may try
    return opened.take_error();
  }
  return Lease(this, std::move(opened.value()));
}

void ReaderPool::give_back(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

std::size_t ReaderPool::open_connections() const {
  std::lock_guard lock(mu_);
  return open_;
}

std::size_t ReaderPool::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

}  // namespace polyvox::sqlite
