#include "api/speech_event_stream.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "api/api_error.h"

namespace polyvox {
namespace {

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string delta_event(const std::string& audio) {
  return sse_data_event(
      json_text(nlohmann::json{{"type", "speech.audio.delta"}, {"audio", base64(audio)}}));
}

}  // namespace

std::string sse_data_event(const std::string& json) { return "data: " + json + "\n\n"; }

std::shared_ptr<SpeechEventStream> SpeechEventStream::create(std::shared_ptr<AudioStream> audio,
                                                             JobStore& jobs, ThreadPool& pool,
                                                             std::string job_id,
                                                             std::size_t input_chars) {
  return std::shared_ptr<SpeechEventStream>(
      new SpeechEventStream(std::move(audio), jobs, pool, std::move(job_id), input_chars));
}

SpeechEventStream::SpeechEventStream(std::shared_ptr<AudioStream> audio, JobStore& jobs,
                                     ThreadPool& pool, std::string job_id, std::size_t input_chars)
    : audio_(std::move(audio)),
      jobs_(jobs),
      pool_(pool),
      job_id_(std::move(job_id)),
      input_chars_(input_chars) {}

void SpeechEventStream::next(Deliver deliver) {
  std::weak_ptr<SpeechEventStream> weak = weak_from_this();
  audio_->next([weak, deliver = std::move(deliver)](Piece piece) mutable {
    auto self = weak.lock();
    if (!self) return;
    std::string events = piece.bytes.empty() ? std::string() : delta_event(piece.bytes);
    if (!piece.end) {
      std::lock_guard lock(self->mutex_);
      if (!self->closed_) deliver(Piece{std::move(events), false});
      return;
    }
    // The audio is over: whether it ended complete is the job's to say, read off this thread
    // (the audio stream delivers under its own lock).
    self->pool_.post([self, events = std::move(events), deliver = std::move(deliver)]() mutable {
      self->finish(std::move(events), std::move(deliver));
    });
  });
}

void SpeechEventStream::finish(std::string events, Deliver deliver) {
  if (audio_->complete()) {
    // Every block's audio was sent: the speech is whole, even while the job's final file is
    // still being assembled.
    const auto chars = static_cast<int64_t>(input_chars_);
    events += sse_data_event(json_text(nlohmann::json{
        {"type", "speech.audio.done"},
        {"usage", {{"input_tokens", chars}, {"output_tokens", 0}, {"total_tokens", chars}}}}));
  } else {
    // Cut short: the job says why (failed, cancelled), unless it goes on (a store failure).
    auto job = jobs_.get_job(job_id_, false);
    std::string why = "its audio could not be read";
    if (!job) {
      why = job.error().message;
    } else if (is_finished(job->status)) {
      why = std::string("the job ") + job_status_name(job->status) +
            (job->error.empty() ? std::string() : ": " + job->error);
    }
    events +=
        sse_data_event(json_text(nlohmann::json{{"type", "error"},
                                                {"error",
                                                 {{"message", "speech was not completed: " + why},
                                                  {"type", "server_error"},
                                                  {"param", nullptr},
                                                  {"code", nullptr}}}}));
  }
  std::lock_guard lock(mutex_);
  if (!closed_) deliver(Piece{std::move(events), true});
}

void SpeechEventStream::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  audio_->close();
}

}  // namespace polyvox
