// The server-sent events of POST /v1/audio/speech with stream_format "sse", as OpenAI sends them:
// each piece of the progressive audio (api/audio_stream.h) as
//   data: {"type":"speech.audio.delta","audio":"<base64>"}
// then, once every block's audio is in,
//   data:
//   {"type":"speech.audio.done","usage":{"input_tokens":N,"output_tokens":0,"total_tokens":N}}
// Polyvox counts characters, not tokens: input_tokens is the input's characters. A job that
// fails or is cancelled ends the stream with data: {"type":"error","error":{"message","type",...}}
// in OpenAI's error shape instead of the done event (OpenAI's SDKs raise an APIError on it).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "api/audio_stream.h"
#include "api/http_types.h"
#include "core/thread_pool.h"
#include "jobs/job_store.h"

namespace polyvox {

class SpeechEventStream final : public LiveBody,
                                public std::enable_shared_from_this<SpeechEventStream> {
 public:
  // `audio` is started already; its pieces become delta events. At its end, the done event when
  // the audio is whole (AudioStream::complete), else the error event with the job's reason, read
  // on `pool`.
  static std::shared_ptr<SpeechEventStream> create(std::shared_ptr<AudioStream> audio,
                                                   JobStore& jobs, ThreadPool& pool,
                                                   std::string job_id, std::size_t input_chars);

  void next(Deliver deliver) override;
  std::chrono::milliseconds heartbeat_interval() const override { return std::chrono::seconds(15); }
  std::string heartbeat() override { return ": keep-alive\n\n"; }
  bool ends_at_shutdown() const override { return false; }  // audio cannot resume: drain
  void close() override;

 private:
  SpeechEventStream(std::shared_ptr<AudioStream> audio, JobStore& jobs, ThreadPool& pool,
                    std::string job_id, std::size_t input_chars);
  void finish(std::string events, Deliver deliver);  // on the pool: the last event, then the end

  std::shared_ptr<AudioStream> audio_;
  JobStore& jobs_;
  ThreadPool& pool_;
  const std::string job_id_;
  const std::size_t input_chars_;

  std::mutex mutex_;  // held while delivering, so that close() waits for a delivery
  bool closed_ = false;
};

// One SSE event carrying `json` (a JSON text without newlines) as its data.
std::string sse_data_event(const std::string& json);

}  // namespace polyvox
