// Owning handles of FFmpeg objects and FFmpeg's error text, shared by the FFmpeg module's two
// .cpp files (container_decoder.cpp, ffmpeg_encoder.cpp). Include it from nowhere else: it
// brings FFmpeg's headers, which the rest of Polyvox never sees (ffmpeg_module.h).
#pragma once

#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace polyvox::audio {

inline std::string av_error_string(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

struct CodecContextFreer {
  void operator()(AVCodecContext* ctx) const { avcodec_free_context(&ctx); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;

}  // namespace polyvox::audio
