// FFmpeg-based decoding of container formats (MP3, WAV, Ogg Opus, FLAC, AAC, ...), built as a
// separate module (libpolyvox_ffmpeg.so) that decoder.cpp loads on first use: a process that never
// decodes a provider's container audio (an API node, a job of local voices) never maps FFmpeg's
// large dependency tree.
#include <algorithm>
#include <cstring>
#include <memory>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include "audio/container_decoder.h"
#include "core/error.h"

namespace polyvox::audio {
namespace {

Error undecodable(const std::string& what) { return Error{ErrorKind::kSynthesisFailed, what, ""}; }

std::string av_error_string(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

struct FormatContextCloser {
  void operator()(AVFormatContext* ctx) const { avformat_close_input(&ctx); }
};
struct CodecContextFreer {
  void operator()(AVCodecContext* ctx) const { avcodec_free_context(&ctx); }
};
struct IoContextFreer {
  void operator()(AVIOContext* ctx) const {
    if (ctx) av_freep(&ctx->buffer);
    avio_context_free(&ctx);
  }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
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
    switch (whence & ~AVSEEK_FORCE) {
      case AVSEEK_SIZE:
        return size;
      case SEEK_SET:
        self->pos = offset;
        break;
      case SEEK_CUR:
        self->pos += offset;
        break;
      case SEEK_END:
        self->pos = size + offset;
        break;
      default:
        return -1;
    }
    self->pos = std::clamp<int64_t>(self->pos, 0, size);
    return self->pos;
  }
};

// Appends the converted samples of `frame` (or the resampler's tail when frame is null).
Status convert_into(SwrContext* swr, const AVFrame* frame, int in_rate, int out_rate,
                    std::vector<float>& out) {
  const int in_samples = frame ? frame->nb_samples : 0;
  const int capacity = static_cast<int>(av_rescale_rnd(swr_get_delay(swr, in_rate) + in_samples,
                                                       out_rate, in_rate, AV_ROUND_UP)) +
                       16;
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

Result<PcmBuffer> decode_container(const EncodedAudio& audio) {
  constexpr int kIoBufferSize = 1 << 15;
  MemoryReader reader{&audio.bytes};
  auto* io_buffer = static_cast<uint8_t*>(av_malloc(kIoBufferSize));
  std::unique_ptr<AVIOContext, IoContextFreer> io(avio_alloc_context(
      io_buffer, kIoBufferSize, 0, &reader, &MemoryReader::read, nullptr, &MemoryReader::seek));
  if (!io) {
    av_free(io_buffer);
    return Error{ErrorKind::kInternal, "out of memory", ""};
  }

  AVFormatContext* raw_format = avformat_alloc_context();
  raw_format->pb = io.get();
  raw_format->flags |= AVFMT_FLAG_CUSTOM_IO;
  if (int rc = avformat_open_input(&raw_format, nullptr, nullptr, nullptr); rc < 0) {
    return undecodable("unrecognized format (" + av_error_string(rc) + ")");
  }
  std::unique_ptr<AVFormatContext, FormatContextCloser> format(raw_format);
  if (int rc = avformat_find_stream_info(format.get(), nullptr); rc < 0) {
    return undecodable("no stream information (" + av_error_string(rc) + ")");
  }
  const int stream_index =
      av_find_best_stream(format.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (stream_index < 0) return undecodable("no audio stream");
  AVStream* stream = format->streams[stream_index];

  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (!codec) return undecodable("no decoder for this codec");
  std::unique_ptr<AVCodecContext, CodecContextFreer> decoder(avcodec_alloc_context3(codec));
  if (!decoder) return Error{ErrorKind::kInternal, "out of memory", ""};
  if (avcodec_parameters_to_context(decoder.get(), stream->codecpar) < 0 ||
      avcodec_open2(decoder.get(), codec, nullptr) < 0) {
    return undecodable("cannot open the decoder");
  }
  decoder->pkt_timebase = stream->time_base;
  if (decoder->sample_rate <= 0) return undecodable("no sample rate");

  PcmBuffer pcm;
  pcm.sample_rate = decoder->sample_rate;
  SwrPtr swr;
  std::unique_ptr<AVPacket, PacketFreer> packet(av_packet_alloc());
  std::unique_ptr<AVFrame, FrameFreer> frame(av_frame_alloc());

  auto drain = [&]() -> Status {
    while (true) {
      const int rc = avcodec_receive_frame(decoder.get(), frame.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return Status::success();
      if (rc < 0) return undecodable("decoder error (" + av_error_string(rc) + ")");
      if (!swr) {
        AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
        SwrContext* raw_swr = nullptr;
        if (swr_alloc_set_opts2(&raw_swr, &mono, AV_SAMPLE_FMT_FLT, pcm.sample_rate,
                                &frame->ch_layout, static_cast<AVSampleFormat>(frame->format),
                                frame->sample_rate, 0, nullptr) < 0 ||
            swr_init(raw_swr) < 0) {
          swr_free(&raw_swr);
          return undecodable("unsupported sample layout");
        }
        swr.reset(raw_swr);
      }
      Status converted =
          convert_into(swr.get(), frame.get(), frame->sample_rate, pcm.sample_rate, pcm.samples);
      av_frame_unref(frame.get());
      if (!converted) return converted;
    }
  };

  while (true) {
    const int rc = av_read_frame(format.get(), packet.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) return undecodable("read error (" + av_error_string(rc) + ")");
    if (packet->stream_index == stream_index) {
      const int sent = avcodec_send_packet(decoder.get(), packet.get());
      av_packet_unref(packet.get());
      if (sent < 0 && sent != AVERROR(EAGAIN)) {
        return undecodable("corrupt data (" + av_error_string(sent) + ")");
      }
      if (Status s = drain(); !s) return s.error();
    } else {
      av_packet_unref(packet.get());
    }
  }
  avcodec_send_packet(decoder.get(), nullptr);
  if (Status s = drain(); !s) return s.error();
  if (swr) {
    if (Status s = convert_into(swr.get(), nullptr, pcm.sample_rate, pcm.sample_rate, pcm.samples);
        !s) {
      return s.error();
    }
  }
  if (pcm.samples.empty()) return undecodable("no samples");
  return pcm;
}

}  // namespace
}  // namespace polyvox::audio

extern "C" __attribute__((visibility("default"))) bool polyvox_decode_container(
    const polyvox::audio::EncodedAudio* audio, polyvox::audio::PcmBuffer* out, std::string* error) {
  static const bool quiet = (av_log_set_level(AV_LOG_QUIET), true);  // errors come back as values
  (void)quiet;
  auto decoded = polyvox::audio::decode_container(*audio);
  if (!decoded) {
    *error = decoded.error().message;
    return false;
  }
  *out = std::move(decoded.value());
  return true;
}
