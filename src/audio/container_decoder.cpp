// FFmpeg-based decoding of container formats (MP3, WAV, Ogg Opus, FLAC, AAC, ...), built as a
// separate module (libpolyvox_ffmpeg.so) that decoder.cpp loads on first use: a process that never
// decodes a provider's container audio (an API node, a job of local voices) never maps FFmpeg's
// large dependency tree.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/channel_layout.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include "audio/container_decoder.h"
#include "audio/ffmpeg_handles.h"
#include "audio/memory_seek.h"
#include "core/error.h"

namespace polyvox::audio {
namespace {

Error undecodable(const std::string& what) { return Error{ErrorKind::kSynthesisFailed, what, ""}; }

struct FormatContextCloser {
  void operator()(AVFormatContext* ctx) const { avformat_close_input(&ctx); }
};
struct IoContextFreer {
  void operator()(AVIOContext* ctx) const {
    if (ctx) av_freep(&ctx->buffer);
    avio_context_free(&ctx);
  }
};
struct SwrFreer {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
using SwrPtr = std::unique_ptr<SwrContext, SwrFreer>;

// A read-only, seekable view of a byte string for libavformat.
struct MemoryReader {
  const std::string* bytes;
  int64_t pos = 0;

  static int read(void* opaque, uint8_t* buf, int size) {
    auto* self = static_cast<MemoryReader*>(opaque);
    const int64_t left = static_cast<int64_t>(self->bytes->size()) - self->pos;
    if (left <= 0) return AVERROR_EOF;
    const int n = static_cast<int>(std::min<int64_t>(left, size));
    std::memcpy(buf, self->bytes->data() + self->pos, n);
    self->pos += n;
    return n;
  }
  static int64_t seek(void* opaque, int64_t offset, int whence) {
    auto* self = static_cast<MemoryReader*>(opaque);
    const auto size = static_cast<int64_t>(self->bytes->size());
    if (whence & AVSEEK_SIZE) return size;
    const int64_t pos = memory_seek(self->pos, size, offset, whence & ~AVSEEK_FORCE);
    if (pos < 0) return -1;
    self->pos = pos;
    return pos;
  }
};

// A read-only, seekable view of an open file for libavformat, read as it goes.
struct FileReader {
  std::FILE* file;
  int64_t size;

  static int read(void* opaque, uint8_t* buf, int size) {
    auto* self = static_cast<FileReader*>(opaque);
    const std::size_t n = std::fread(buf, 1, static_cast<std::size_t>(size), self->file);
    if (n == 0) return std::ferror(self->file) ? AVERROR(EIO) : AVERROR_EOF;
    return static_cast<int>(n);
  }
  static int64_t seek(void* opaque, int64_t offset, int whence) {
    auto* self = static_cast<FileReader*>(opaque);
    if (whence & AVSEEK_SIZE) return self->size;
    const int64_t pos =
        memory_seek(::ftello(self->file), self->size, offset, whence & ~AVSEEK_FORCE);
    if (pos < 0 || ::fseeko(self->file, pos, SEEK_SET) != 0) return -1;
    return pos;
  }
};

// The highest sample rate an answer (or any of its frames) may have: vendors send 8-48 kHz, and
// a higher rate multiplies the memory an answer's duration costs.
constexpr int kMaxSampleRate = 192'000;
// Most samples one frame may convert to (87 s at the highest rate; codecs' frames hold at most
// 65,535 samples, so only a frame claiming an absurdly low rate comes near).
constexpr int64_t kMaxFrameSamples = int64_t{1} << 24;
// What the resampler's estimate of a frame's output may exceed the room by (its rounding).
constexpr int64_t kEstimateSlack = 64;

// Appends the converted samples of `frame` (or the resampler's tail when frame is null). The
// output is sized from the resampler's estimate before anything is allocated: an estimate past
// `room` (the samples the answer may still add) is `too_long`, one past kMaxFrameSamples is
// refused: a frame claiming 1 Hz in a 48 kHz stream would otherwise take gigabytes.
Status convert_into(SwrContext* swr, const AVFrame* frame, int in_rate, int out_rate,
                    std::size_t room, const Error& too_long, std::vector<float>& out) {
  const int in_samples = frame ? frame->nb_samples : 0;
  const int64_t expected =
      av_rescale_rnd(swr_get_delay(swr, in_rate) + in_samples, out_rate, in_rate, AV_ROUND_UP);
  if (expected < 0 || expected > kMaxFrameSamples) {
    return undecodable("a frame of " + std::to_string(in_samples) + " samples at " +
                       std::to_string(in_rate) + " Hz converts to more than " +
                       std::to_string(kMaxFrameSamples) + " samples");
  }
  if (expected > kEstimateSlack && static_cast<std::size_t>(expected - kEstimateSlack) > room) {
    return too_long;
  }
  const int capacity = static_cast<int>(expected) + 16;
  const std::size_t old_size = out.size();
  out.resize(old_size + capacity);
  uint8_t* dst = reinterpret_cast<uint8_t*>(out.data() + old_size);
  const int got =
      swr_convert(swr, &dst, capacity,
                  frame ? const_cast<const uint8_t**>(frame->extended_data) : nullptr, in_samples);
  if (got < 0) {
    out.resize(old_size);
    return Error{ErrorKind::kInternal, "resampler failed: " + av_error_string(got), ""};
  }
  out.resize(old_size + got);
  return Status::success();
}

// What an answer may be: the containers and codecs vendors send, nothing that refers to other
// files or URLs (concat scripts, HLS and other playlists are not in the list). FFmpeg matches a
// demuxer by any of its names ("mov" is the MP4/M4A demuxer).
constexpr const char* kAllowedFormats = "mp3,wav,ogg,flac,aac,mov";
constexpr const char* kAllowedCodecs =
    "mp3float,mp3,pcm_s16le,pcm_s24le,pcm_s32le,pcm_f32le,pcm_f64le,pcm_u8,pcm_s16be,pcm_mulaw,"
    "pcm_alaw,opus,libopus,vorbis,flac,aac,aac_fixed";

// Every open of another resource (a nested file, a segment, a key) is refused.
int refuse_nested_open(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) {
  return AVERROR(EPERM);
}

// Interrupts demuxing once the deadline has passed.
int past_deadline(void* opaque) {
  const auto* limits = static_cast<const DecodeLimits*>(opaque);
  return limits->deadline && std::chrono::steady_clock::now() >= *limits->deadline ? 1 : 0;
}

// A resampler to mono float at the output rate for frames of one layout, format and rate; built
// again when a frame differs (a stream may change any of them midway). `room` (add, flush): how
// many samples `out` may still grow by before the answer is `too_long` (convert_into).
class Converter {
 public:
  Converter(int out_rate, Error too_long) : out_rate_(out_rate), too_long_(std::move(too_long)) {}
  ~Converter() { av_channel_layout_uninit(&layout_); }

  Status add(AVFrame* frame, std::size_t room, std::vector<float>& out) {
    if (!swr_ || frame->sample_rate != in_rate_ || frame->format != format_ ||
        av_channel_layout_compare(&frame->ch_layout, &layout_) != 0) {
      const std::size_t before = out.size();
      if (Status flushed = flush(room, out); !flushed) return flushed;
      room -= std::min(room, out.size() - before);
      if (frame->sample_rate <= 0 || frame->ch_layout.nb_channels <= 0) {
        return undecodable("a frame without a sample rate or channels");
      }
      if (frame->sample_rate > kMaxSampleRate) {
        return undecodable("a frame's sample rate of " + std::to_string(frame->sample_rate) +
                           " Hz is above " + std::to_string(kMaxSampleRate) + " Hz");
      }
      AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
      SwrContext* raw = nullptr;
      if (swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_FLT, out_rate_, &frame->ch_layout,
                              static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0,
                              nullptr) < 0 ||
          swr_init(raw) < 0) {
        swr_free(&raw);
        return undecodable("unsupported sample layout");
      }
      swr_.reset(raw);
      in_rate_ = frame->sample_rate;
      format_ = frame->format;
      av_channel_layout_uninit(&layout_);
      if (av_channel_layout_copy(&layout_, &frame->ch_layout) < 0) {
        return Error{ErrorKind::kInternal, "out of memory", ""};
      }
    }
    return convert_into(swr_.get(), frame, in_rate_, out_rate_, room, too_long_, out);
  }

  // The resampler's delayed samples, at the end or before it is rebuilt.
  Status flush(std::size_t room, std::vector<float>& out) {
    if (!swr_) return Status::success();
    Status s = convert_into(swr_.get(), nullptr, in_rate_, out_rate_, room, too_long_, out);
    swr_.reset();
    return s;
  }

 private:
  const int out_rate_;
  const Error too_long_;
  SwrPtr swr_;
  int in_rate_ = 0;
  int format_ = -1;
  AVChannelLayout layout_{};
};

// Where decode() puts the samples: all of them in `samples`, or, with a `flush`, chunks of at
// least kFlushSamples handed to it as they come (then `samples` holds only the chunk).
struct SampleOut {
  static constexpr std::size_t kFlushSamples = 1 << 16;
  std::vector<float>& samples;
  const SampleChunkSink* flush = nullptr;
  std::size_t flushed = 0;  // samples handed to `flush` so far
  bool refused = false;     // `flush` returned false; its reason is in `refusal`
  std::string refusal;

  std::size_t total() const { return flushed + samples.size(); }
  // Hands the chunk over when it is big enough (or `last`); false when the sink refused it.
  bool maybe_flush(int rate, bool last) {
    if (!flush || samples.empty() || (!last && samples.size() < kFlushSamples)) return true;
    if (!(*flush)(rate, samples, refusal)) {
      refused = true;
      return false;
    }
    flushed += samples.size();
    samples.clear();
    return true;
  }
};

// Decodes what `read`/`seek` give (libavformat's custom I/O on `opaque`) into `out`; `rate` is set
// to the output's sample rate (the stream's first) once known.
Status decode(void* opaque, int (*read)(void*, uint8_t*, int), int64_t (*seek)(void*, int64_t, int),
              const DecodeLimits& limits, SampleOut& out, int& rate) {
  constexpr int kIoBufferSize = 1 << 15;
  auto* io_buffer = static_cast<uint8_t*>(av_malloc(kIoBufferSize));
  std::unique_ptr<AVIOContext, IoContextFreer> io(
      avio_alloc_context(io_buffer, kIoBufferSize, 0, opaque, read, nullptr, seek));
  if (!io) {
    av_free(io_buffer);
    return Error{ErrorKind::kInternal, "out of memory", ""};
  }
  auto over_time = [&limits] { return past_deadline(const_cast<DecodeLimits*>(&limits)) != 0; };
  const Error too_slow = undecodable("decoding took too long");

  AVFormatContext* raw_format = avformat_alloc_context();
  if (!raw_format) return Error{ErrorKind::kInternal, "out of memory", ""};
  raw_format->pb = io.get();
  raw_format->flags |= AVFMT_FLAG_CUSTOM_IO;
  raw_format->format_whitelist = av_strdup(kAllowedFormats);
  raw_format->codec_whitelist = av_strdup(kAllowedCodecs);
  raw_format->protocol_whitelist = av_strdup("");
  raw_format->io_open = &refuse_nested_open;
  raw_format->interrupt_callback.callback = &past_deadline;
  raw_format->interrupt_callback.opaque = const_cast<DecodeLimits*>(&limits);
  // Probed here rather than in avformat_open_input, which answers a format outside the list with
  // a bare EINVAL: the error names the format refused.
  const AVInputFormat* probed = nullptr;
  if (int rc = av_probe_input_buffer2(io.get(), &probed, "", nullptr, 0, 0); rc < 0) {
    avformat_free_context(raw_format);
    if (over_time()) return too_slow;
    return undecodable("unrecognized format (" + av_error_string(rc) + ")");
  }
  if (av_match_list(probed->name, kAllowedFormats, ',') <= 0) {
    avformat_free_context(raw_format);
    return undecodable("format '" + std::string(probed->name) +
                       "' is not an allowed answer format");
  }
  if (int rc = avformat_open_input(&raw_format, nullptr, probed, nullptr); rc < 0) {
    // avformat_open_input frees the context on failure.
    if (over_time()) return too_slow;
    return undecodable("unrecognized format (" + av_error_string(rc) + ")");
  }
  std::unique_ptr<AVFormatContext, FormatContextCloser> format(raw_format);
  if (int rc = avformat_find_stream_info(format.get(), nullptr); rc < 0) {
    if (over_time()) return too_slow;
    return undecodable("no stream information (" + av_error_string(rc) + ")");
  }
  const int stream_index =
      av_find_best_stream(format.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (stream_index < 0) return undecodable("no audio stream");
  AVStream* stream = format->streams[stream_index];

  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (!codec) return undecodable("no decoder for this codec");
  if (av_match_list(codec->name, kAllowedCodecs, ',') <= 0) {
    return undecodable("codec '" + std::string(codec->name) + "' is not an allowed answer codec");
  }
  std::unique_ptr<AVCodecContext, CodecContextFreer> decoder(avcodec_alloc_context3(codec));
  if (!decoder) return Error{ErrorKind::kInternal, "out of memory", ""};
  AVDictionary* decoder_options = nullptr;
  av_dict_set(&decoder_options, "codec_whitelist", kAllowedCodecs, 0);
  const bool opened = avcodec_parameters_to_context(decoder.get(), stream->codecpar) >= 0 &&
                      avcodec_open2(decoder.get(), codec, &decoder_options) >= 0;
  av_dict_free(&decoder_options);
  if (!opened) return undecodable("cannot open the decoder");
  decoder->pkt_timebase = stream->time_base;
  if (decoder->sample_rate <= 0) return undecodable("no sample rate");
  if (decoder->sample_rate > kMaxSampleRate) {
    return undecodable("a sample rate of " + std::to_string(decoder->sample_rate) +
                       " Hz is above " + std::to_string(kMaxSampleRate) + " Hz");
  }

  rate = decoder->sample_rate;
  const std::size_t max_samples =
      limits.max_duration_ms > 0
          ? static_cast<std::size_t>(av_rescale(limits.max_duration_ms, rate, 1000))
          : std::numeric_limits<std::size_t>::max();
  const Error refused = Error{ErrorKind::kInternal, "", ""};  // the sink's reason is in `out`
  const Error too_long =
      undecodable("the answer is longer than " + std::to_string(limits.max_duration_ms) + " ms");
  Converter converter(rate, too_long);
  const auto room = [&] { return max_samples - std::min(max_samples, out.total()); };
  std::unique_ptr<AVPacket, PacketFreer> packet(av_packet_alloc());
  std::unique_ptr<AVFrame, FrameFreer> frame(av_frame_alloc());
  if (!packet || !frame) return Error{ErrorKind::kInternal, "out of memory", ""};

  auto drain = [&]() -> Status {
    while (true) {
      const int rc = avcodec_receive_frame(decoder.get(), frame.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return Status::success();
      if (rc < 0) return undecodable("decoder error (" + av_error_string(rc) + ")");
      Status converted = converter.add(frame.get(), room(), out.samples);
      av_frame_unref(frame.get());
      if (!converted) return converted;
      if (out.total() > max_samples) return too_long;
      if (!out.maybe_flush(rate, false)) return refused;
      if (over_time()) return too_slow;
    }
  };

  while (true) {
    const int rc = av_read_frame(format.get(), packet.get());
    if (rc == AVERROR_EOF) break;
    if (over_time()) return too_slow;
    if (rc < 0) return undecodable("read error (" + av_error_string(rc) + ")");
    if (packet->stream_index == stream_index) {
      const int sent = avcodec_send_packet(decoder.get(), packet.get());
      av_packet_unref(packet.get());
      if (sent < 0 && sent != AVERROR(EAGAIN)) {
        return undecodable("corrupt data (" + av_error_string(sent) + ")");
      }
      if (Status s = drain(); !s) return s;
    } else {
      av_packet_unref(packet.get());
    }
  }
  avcodec_send_packet(decoder.get(), nullptr);
  if (Status s = drain(); !s) return s.error();
  if (Status s = converter.flush(room(), out.samples); !s) return s.error();
  if (out.total() > max_samples) return too_long;
  if (out.total() == 0) return undecodable("no samples");
  if (!out.maybe_flush(rate, true)) return refused;
  return Status::success();
}

Result<PcmBuffer> decode_container(const EncodedAudio& audio, const DecodeLimits& limits) {
  MemoryReader reader{&audio.bytes};
  PcmBuffer pcm;
  SampleOut out{pcm.samples};
  if (Status s =
          decode(&reader, &MemoryReader::read, &MemoryReader::seek, limits, out, pcm.sample_rate);
      !s) {
    return s.error();
  }
  return pcm;
}

// decode_container of the file at `path` (when not null) or of `audio`, chunk by chunk into
// `sink`. An error whose message is empty is the sink's refusal (its reason in `refusal`).
Status decode_container_chunks(const std::string* path, const EncodedAudio* audio,
                               const DecodeLimits& limits, const SampleChunkSink& sink,
                               std::string& refusal) {
  std::vector<float> chunk;
  SampleOut out{chunk, &sink};
  int rate = 0;
  Status s = Status::success();
  if (path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path->c_str(), "rb"),
                                                         &std::fclose);
    struct stat info {};
    if (!file || ::fstat(::fileno(file.get()), &info) != 0) {
      return Error{ErrorKind::kIo, "cannot read " + *path, ""};
    }
    FileReader reader{file.get(), static_cast<int64_t>(info.st_size)};
    s = decode(&reader, &FileReader::read, &FileReader::seek, limits, out, rate);
  } else {
    MemoryReader reader{&audio->bytes};
    s = decode(&reader, &MemoryReader::read, &MemoryReader::seek, limits, out, rate);
  }
  if (out.refused) refusal = out.refusal;
  return s;
}

}  // namespace
}  // namespace polyvox::audio

extern "C" __attribute__((visibility("default"))) bool polyvox_decode_container_chunks(
    const std::string* path, const polyvox::audio::EncodedAudio* audio,
    const polyvox::audio::DecodeLimits* limits, const polyvox::audio::SampleChunkSink* sink,
    std::string* error) {
  static const bool quiet = (av_log_set_level(AV_LOG_QUIET), true);  // errors come back as values
  (void)quiet;
  std::string refusal;
  polyvox::Status decoded =
      polyvox::audio::decode_container_chunks(path, audio, *limits, *sink, refusal);
  if (!decoded) {
    *error = decoded.error().message.empty() ? refusal : decoded.error().message;
    return false;
  }
  return true;
}

extern "C" __attribute__((visibility("default"))) bool polyvox_decode_container(
    const polyvox::audio::EncodedAudio* audio, const polyvox::audio::DecodeLimits* limits,
    polyvox::audio::PcmBuffer* out, std::string* error) {
  static const bool quiet = (av_log_set_level(AV_LOG_QUIET), true);  // errors come back as values
  (void)quiet;
  auto decoded = polyvox::audio::decode_container(*audio, *limits);
  if (!decoded) {
    *error = decoded.error().message;
    return false;
  }
  *out = std::move(decoded.value());
  return true;
}
