#include "api/audio_stream.h"

#include <nlohmann/json.hpp>

#include "log/log.h"

namespace polyvox {

std::shared_ptr<AudioStream> AudioStream::create(EventHub& hub, JobStore& jobs, BlobStore& blobs,
                                                 ThreadPool& pool, std::string job_id,
                                                 OutputFormat format, std::size_t blocks,
                                                 int bitrate_kbps) {
  return std::shared_ptr<AudioStream>(
      new AudioStream(hub, jobs, blobs, pool, std::move(job_id), format, blocks, bitrate_kbps));
}

AudioStream::AudioStream(EventHub& hub, JobStore& jobs, BlobStore& blobs, ThreadPool& pool,
                         std::string job_id, OutputFormat format, std::size_t blocks,
                         int bitrate_kbps)
    : hub_(hub),
      jobs_(jobs),
      blobs_(blobs),
      pool_(pool),
      job_id_(std::move(job_id)),
      blocks_(blocks),
      assembler_(format, std::max<std::size_t>(1, blocks), bitrate_kbps) {}

AudioStream::~AudioStream() { close(); }

void AudioStream::subscribe() {
  // A plain pointer, not a strong reference: the sink must never hold the last one, or the
  // destructor would run inside the hub's delivery and wait for itself in unsubscribe(). The
  // destructor's close() unsubscribes, which waits for a delivery in progress.
  subscription_ = hub_.subscribe(EventHub::Filter{job_id_, "", false},
                                 [this](const JobEvent& event) { on_event(event); });
}

void AudioStream::start(const JobRecord& job) {
  std::lock_guard lock(mutex_);
  started_ = true;
  catch_up(job);
  pump();
}

void AudioStream::catch_up(const JobRecord& job) {
  std::size_t done = 0;  // the leading done blocks are placed
  while (done < job.blocks.size() && job.blocks[done].status == BlockStatus::kDone) ++done;
  placed_ = std::max(placed_, std::min(done, blocks_));
  if (job.status == JobStatus::kFailed || job.status == JobStatus::kCancelled) over_ = true;
}

void AudioStream::on_event(const JobEvent& event) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  if (event.seq == 0) {
    stale_ = true;
  } else {
    const auto body = nlohmann::json::parse(event.body, nullptr, false);
    const std::string type = body.is_object() ? body.value("type", "") : "";
    if (type == "block.placed" && body["index"].is_number_unsigned()) {
      placed_ = std::max(placed_, std::min(blocks_, body["index"].get<std::size_t>() + 1));
    } else if (type == "job.completed") {
      placed_ = blocks_;
    } else if (type == "job.failed" || type == "job.cancelled") {
      over_ = true;
    }
  }
  if (started_) pump();
}

bool AudioStream::complete() {
  std::lock_guard lock(mutex_);
  return ended_ && assembler_.segments_added() == blocks_;
}

void AudioStream::next(Deliver deliver) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  pending_ = std::move(deliver);
  hand_over();
  if (pending_) pump();
}

void AudioStream::pump() {
  if (closed_ || ended_ || fetching_ || !started_ || !pending_ || !ready_.empty()) return;
  const std::size_t next = assembler_.segments_added();
  if (next < placed_) {
    fetching_ = true;
    pool_.post([self = shared_from_this(), next] { self->fetch(next); });
  } else if (next == blocks_) {
    auto tail = assembler_.finish();  // the encoded formats flush their codec here: O(frame)
    if (tail) {
      ready_ += *tail;
    } else {
      log::warn("audio stream cut short", {{"job_id", job_id_}, {"why", tail.error().message}});
    }
    ended_ = true;
    hand_over();
  } else if (stale_) {
    fetching_ = true;
    stale_ = false;
    pool_.post([self = shared_from_this()] { self->refresh(); });
  } else if (over_) {
    end("the job ended before this block");
  }
}

void AudioStream::fetch(std::size_t index) {
  // Off every lock: store and blob reads may wait.
  Result<std::string> bytes = Error{ErrorKind::kInternal, "no segment", ""};
  auto work = jobs_.get_block(job_id_, index);
  if (!work) {
    bytes = work.take_error();
  } else if (!work->block.result || work->block.result->segment_key.empty()) {
    bytes = Error{ErrorKind::kInternal, "block " + std::to_string(index) + " has no segment", ""};
  } else {
    bytes = blobs_.get(work->block.result->segment_key);
  }
  // Off the lock too (an encoded format's segment takes milliseconds to encode): while
  // fetching_ is set, nothing else touches the assembler.
  Result<std::string> out = bytes ? assembler_.add(*bytes) : Result<std::string>(bytes.error());
  std::lock_guard lock(mutex_);
  fetching_ = false;
  if (closed_) return;
  if (!out) {
    end(out.error().message);
    return;
  }
  ready_ += *out;
  hand_over();
  pump();
}

void AudioStream::refresh() {
  auto job = jobs_.get_job(job_id_, true);
  std::lock_guard lock(mutex_);
  fetching_ = false;
  if (closed_) return;
  if (!job) {
    end(job.error().message);
    return;
  }
  catch_up(*job);
  pump();
}

void AudioStream::hand_over() {
  if (!pending_ || (ready_.empty() && !ended_)) return;
  Piece piece{std::move(ready_), ended_};
  ready_.clear();
  Deliver deliver = std::move(pending_);
  pending_ = nullptr;
  // Under the lock, so that close() returns only once no delivery is in progress (a delivery
  // only posts to the server's loop).
  deliver(std::move(piece));
}

void AudioStream::end(const std::string& why) {
  if (!over_) log::warn("audio stream cut short", {{"job_id", job_id_}, {"why", why}});
  ended_ = true;
  hand_over();
}

void AudioStream::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    pending_ = nullptr;
  }
  if (subscription_) hub_.unsubscribe(subscription_);
}

}  // namespace polyvox
