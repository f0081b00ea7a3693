// GET /result/{id}/stream: the job's combined audio in block order, sent as its blocks are
// placed (done, with every earlier block done), from submission to the end, in the job's output
// format (audio/progressive_assembler.h: MP3 frames under an open-ended Info tag, or WAV with
// sentinel sizes). A LiveBody fed by the node's EventHub (block.placed, job.*); segments are read
// from the stores on a background pool, one at a time and only when the client has taken the
// previous bytes, so a slow client holds one segment, not the job. A job that fails or is
// cancelled ends the stream after its last placed block (valid audio, shorter); the events say
// why. A store failure mid-stream ends it the same way, and is logged.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "api/http_types.h"
#include "audio/progressive_assembler.h"
#include "core/thread_pool.h"
#include "jobs/event_hub.h"
#include "jobs/job_store.h"
#include "storage/blob_store.h"

namespace polyvox {

class AudioStream final : public LiveBody, public std::enable_shared_from_this<AudioStream> {
 public:
  // Make with create(), then subscribe() before reading the job, then start() with what it
  // read.
  static std::shared_ptr<AudioStream> create(EventHub& hub, JobStore& jobs, BlobStore& blobs,
                                             ThreadPool& pool, std::string job_id,
                                             OutputFormat format, std::size_t blocks);
  ~AudioStream() override;

  // Hears the job's events from now on (held until start()).
  void subscribe();

  // Starts from `job` as read after subscribe() (with its blocks): what is placed is sent.
  void start(const JobRecord& job);

  // True once the stream has ended with every block's audio in it (not cut short by a failed
  // or cancelled job or a store failure). Thread-safe.
  bool complete();

  void next(Deliver deliver) override;
  bool ends_at_shutdown() const override { return false; }  // audio cannot resume: drain
  void close() override;

 private:
  AudioStream(EventHub& hub, JobStore& jobs, BlobStore& blobs, ThreadPool& pool, std::string job_id,
              OutputFormat format, std::size_t blocks);
  void on_event(const JobEvent& event);
  void pump();                          // REQUIRES: mutex_ held
  void fetch(std::size_t index);        // on the pool
  void refresh();                       // on the pool: re-reads how far the job is
  void catch_up(const JobRecord& job);  // placed_ and over_ from `job`; REQUIRES: mutex_ held
  void hand_over();                     // REQUIRES: mutex_ held
  void end(const std::string& why);     // REQUIRES: mutex_ held

  EventHub& hub_;
  JobStore& jobs_;
  BlobStore& blobs_;
  ThreadPool& pool_;
  const std::string job_id_;
  const std::size_t blocks_;
  uint64_t subscription_ = 0;

  std::mutex mutex_;
  audio::ProgressiveAssembler assembler_;
  bool started_ = false;
  bool closed_ = false;
  bool ended_ = false;     // no more bytes will be added
  bool fetching_ = false;  // a fetch or refresh is on the pool
  bool stale_ = false;     // the hub resynced: re-read the job before trusting placed_
  bool over_ = false;      // the job failed or was cancelled
  std::size_t placed_ = 0;
  std::string ready_;  // bytes not yet handed over
  Deliver pending_;
};

}  // namespace polyvox
