// A job's combined audio as a LiveBody, in block order, sent as its blocks are placed (done,
// with every earlier block done), from submission to the end, in the job's output format, any of
// them (audio/progressive_assembler.h says what each format's stream is: MP3 frames under an
// open-ended Info tag, WAV with sentinel sizes, raw PCM, or the encoded formats from one
// streaming encoder: FLAC without total length, Ogg Opus, ADTS AAC, fragmented MP4 for m4a).
// Served by GET /result/{id}/stream, and usable as it is by any route that answers with a job's
// audio while it renders (/v1/audio/speech with stream_format "audio"):
//
//   auto stream = AudioStream::create(hub, jobs, blobs, pool, job.id, job.output_format,
//                                     job.blocks_total, job.bitrate_kbps);
//   stream->subscribe();                      // before reading the job: nothing is missed
//   auto job = jobs.get_job(id, true);        // with its blocks
//   stream->start(*job);
//   response.set_header("Content-Type", output_format_mime(job->output_format));
//   response.live = std::move(stream);
//
// Contract: the bytes delivered, concatenated, are one playable stream of the job's format; the
// last Piece has `last` set. A job that fails or is cancelled ends the stream after its last
// placed block (valid audio, shorter; for the encoded formats without the codec's lookahead of
// that block); the events say why. A store or encoder failure mid-stream ends it the same way,
// and is logged. Segments are read from the stores on a background pool, one at a time and only
// when the client has taken the previous bytes, so a slow client holds one segment, not the job.
// The rate is the segments' (the job's); `bitrate_kbps` is the job's as stored (0: the format's
// default), used by the encoded formats only. Thread-safe.
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
                                             OutputFormat format, std::size_t blocks,
                                             int bitrate_kbps = 0);
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
              OutputFormat format, std::size_t blocks, int bitrate_kbps);
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
  audio::ProgressiveAssembler assembler_;  // under mutex_, or by the one fetch while fetching_
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
