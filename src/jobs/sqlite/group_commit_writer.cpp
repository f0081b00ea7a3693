#include "jobs/sqlite/group_commit_writer.h"

#include <utility>
#include <vector>

#include "log/log.h"

namespace polyvox::sqlite {

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Connection> connection, std::size_t max_batch)
    : db_(std::move(connection)), max_batch_(max_batch), thread_([this] { loop(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  thread_.join();
}

Status GroupCommitWriter::submit(std::function<bool(Connection&)> apply) {
  Pending pending{std::move(apply), Status::success(), false};
  std::unique_lock lock(mu_);
  queue_.push_back(&pending);
  // Only the first of a batch needs to wake the writer; the others find it busy.
  if (queue_.size() == 1) work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return pending.done; });
  return pending.committed;
}

void GroupCommitWriter::release_memory() {
  std::unique_lock lock(mu_);
  const uint64_t ticket = ++releases_asked_;
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return releases_done_ >= ticket; });
}

WriterStats GroupCommitWriter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void GroupCommitWriter::loop() {
  std::vector<Pending*> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(
          lock, [&] { return !queue_.empty() || stopping_ || releases_done_ < releases_asked_; });
      if (releases_done_ < releases_asked_) {  // between batches: no transaction is open
        const uint64_t asked = releases_asked_;
        lock.unlock();
        db_->release_memory();
        lock.lock();
        releases_done_ = asked;
        done_cv_.notify_all();
      }
      if (queue_.empty()) {
        if (stopping_) return;  // everything submitted has run
        continue;
      }
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    const Status committed = run_batch(batch);
    {
      std::lock_guard lock(mu_);
      for (Pending* p : batch) {
        p->committed = committed;
        p->done = true;
      }
      ++stats_.transactions;
      stats_.operations += batch.size();
    }
    done_cv_.notify_all();
    batch.clear();
  }
}

Status GroupCommitWriter::run_batch(const std::vector<Pending*>& batch) {
  // IMMEDIATE: take the write lock now, so that another process holding it makes us wait
  // (busy_timeout) here rather than fail halfway through the batch.
  Status status = db_->run("BEGIN IMMEDIATE");
  if (!status) {
    last_commit_failed_ = true;
    return status;
  }
  auto& after_commit = db_->pending_after_commit();
  after_commit.clear();
  for (Pending* p : batch) {
    const std::size_t announced = after_commit.size();
    status = db_->run("SAVEPOINT op");
    if (status && !p->apply(*db_)) {
      status = db_->run("ROLLBACK TO op");
      after_commit.resize(announced);  // what the rolled-back operation did never happened
    }
    if (status) status = db_->run("RELEASE op");
    // A failed savepoint statement means SQLite rolled the whole transaction back (disk full,
    // I/O error): the batch is lost, the operations not yet run are not attempted.
    if (!status) break;
  }
  // Odd from before COMMIT (when readers may start to see the batch) until it has returned.
  generation_.fetch_add(1);
  if (status) status = db_->run("COMMIT");
  if (!status) (void)db_->run("ROLLBACK");  // fails harmlessly when SQLite already rolled back
  generation_.fetch_add(1);
  last_commit_failed_ = !status;
  if (status) {
    for (auto& work : after_commit) {
      // What an operation asked for once its batch is stored (a waiter woken, an event
      // announced): one that throws must not end the writer thread, every write after it would
      // wait forever.
      log::catching("SQLite after-commit work", work);
    }
  }
  after_commit.clear();
  return status;
}

}  // namespace polyvox::sqlite
