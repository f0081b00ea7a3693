// The FFmpeg side of audio_encoder.h, built into the lazily loaded module (ffmpeg_module.h).
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
}

#include "audio/audio_encoder.h"
#include "audio/ffmpeg_handles.h"
#include "audio/memory_seek.h"

namespace polyvox::audio {
namespace {

// The most bytes of a chapter title MP4's Nero chapter list (chpl) holds.
constexpr std::size_t kMaxMp4ChapterTitleBytes = 255;

// `title` (valid UTF-8) cut to at most `max_bytes` at a character boundary. Here rather than
// core/utf8.h's cut_utf8: this module is loaded on its own (ffmpeg_module.h) and links no core.
std::string cut_at_character(const std::string& title, std::size_t max_bytes) {
  if (title.size() <= max_bytes) return title;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(title[end]) & 0xC0) == 0x80) --end;
  return title.substr(0, end);
}

Error encoder_error(const std::string& what, int code = 0) {
  return Error{ErrorKind::kInternal,
               "encoder: " + what + (code < 0 ? ": " + av_error_string(code) : std::string()), ""};
}

struct FormatChoice {
  const char* codec;
  const char* muxer;
};

FormatChoice choice_for(OutputFormat format) {
  switch (format) {
    case OutputFormat::kFlac:
      return {"flac", "flac"};
    case OutputFormat::kOpus:
      return {"libopus", "ogg"};
    case OutputFormat::kAac:
      return {"aac", "adts"};
    default:
      return {"aac", "ipod"};  // M4A and M4B: MP4 with the iTunes audio brand
  }
}

// The sample format the codec takes that is easiest to fill from s16: s16, else float, else
// planar float (mono: planar and packed are the same layout).
AVSampleFormat pick_sample_format(const AVCodec* codec) {
  AVSampleFormat best = AV_SAMPLE_FMT_NONE;
  for (const AVSampleFormat* f = codec->sample_fmts; f && *f != AV_SAMPLE_FMT_NONE; ++f) {
    if (*f == AV_SAMPLE_FMT_S16) return *f;
    if (*f == AV_SAMPLE_FMT_FLT || *f == AV_SAMPLE_FMT_FLTP) best = *f;
  }
  return best;
}

// The muxer's output: a file, a seekable memory buffer or a forward-only stream.
class Output {
 public:
  ~Output() {
    if (pb_) {
      if (owns_file_) {
        avio_closep(&pb_);
      } else {
        av_freep(&pb_->buffer);
        avio_context_free(&pb_);
      }
    }
  }

  Status open(const EncoderSettings& settings) {
    if (settings.sink == EncoderSink::kFile) {
      const int rc = avio_open(&pb_, settings.path.c_str(), AVIO_FLAG_WRITE);
      if (rc < 0) return Error{ErrorKind::kIo, "cannot create " + settings.path, ""};
      owns_file_ = true;
      return Status::success();
    }
    constexpr int kBufferSize = 1 << 15;
    auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
    if (!buffer) return encoder_error("out of memory");
    const bool seekable = settings.sink == EncoderSink::kMemory;
    pb_ = avio_alloc_context(buffer, kBufferSize, 1, this, nullptr, &Output::write,
                             seekable ? &Output::seek : nullptr);
    if (!pb_) {
      av_free(buffer);
      return encoder_error("out of memory");
    }
    pb_->seekable = seekable ? AVIO_SEEKABLE_NORMAL : 0;
    return Status::success();
  }

  AVIOContext* pb() { return pb_; }

  std::string take() {
    std::string out;
    if (pb_ && !owns_file_) {
      avio_flush(pb_);
      out.swap(bytes_);
      pos_ = 0;
    }
    return out;
  }

 private:
  static int write(void* opaque, uint8_t* data, int size) {
    auto* self = static_cast<Output*>(opaque);
    const auto end = static_cast<std::size_t>(self->pos_) + size;
    if (end > self->bytes_.size()) self->bytes_.resize(end);
    std::memcpy(self->bytes_.data() + self->pos_, data, size);
    self->pos_ = static_cast<int64_t>(end);
    return size;
  }
  static int64_t seek(void* opaque, int64_t offset, int whence) {
    auto* self = static_cast<Output*>(opaque);
    const auto size = static_cast<int64_t>(self->bytes_.size());
    if (whence & AVSEEK_SIZE) return size;
    const int64_t pos = memory_seek(self->pos_, size, offset, whence & ~AVSEEK_FORCE);
    if (pos < 0) return -1;
    self->pos_ = pos;
    return pos;
  }

  AVIOContext* pb_ = nullptr;
  bool owns_file_ = false;
  std::string bytes_;  // kMemory: the file; kStream: bytes not taken yet
  int64_t pos_ = 0;
};

class FfmpegEncoder final : public AudioEncoder {
 public:
  ~FfmpegEncoder() override {
    if (format_) {
      format_->pb = nullptr;  // owned by output_
      avformat_free_context(format_);
    }
  }

  Status open(const EncoderSettings& settings) {
    settings_ = settings;
    const FormatChoice choice = choice_for(settings.output.format);
    const AVCodec* codec = avcodec_find_encoder_by_name(choice.codec);
    if (!codec) return encoder_error(std::string("FFmpeg has no ") + choice.codec + " encoder");
    codec_.reset(avcodec_alloc_context3(codec));
    frame_.reset(av_frame_alloc());
    packet_.reset(av_packet_alloc());
    if (!codec_ || !frame_ || !packet_) return encoder_error("out of memory");
    AVCodecContext* c = codec_.get();
    c->sample_rate = settings.output.sample_rate;
    av_channel_layout_default(&c->ch_layout, 1);
    c->sample_fmt = pick_sample_format(codec);
    if (c->sample_fmt == AV_SAMPLE_FMT_NONE) return encoder_error("no usable sample format");
    c->time_base = AVRational{1, c->sample_rate};
    if (settings.output.bitrate_kbps > 0) c->bit_rate = 1000LL * settings.output.bitrate_kbps;
    if (settings.output.format == OutputFormat::kAac || is_mp4(settings.output.format)) {
      c->profile = FF_PROFILE_AAC_LOW;
    }

    const char* url = settings.sink == EncoderSink::kFile ? settings.path.c_str() : nullptr;
    int rc = avformat_alloc_output_context2(&format_, nullptr, choice.muxer, url);
    if (rc < 0 || !format_) return encoder_error(std::string("no ") + choice.muxer + " muxer", rc);
    if (format_->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    rc = avcodec_open2(c, codec, nullptr);
    if (rc < 0) return encoder_error(std::string("cannot open ") + choice.codec, rc);

    stream_ = avformat_new_stream(format_, nullptr);
    if (!stream_) return encoder_error("out of memory");
    rc = avcodec_parameters_from_context(stream_->codecpar, c);
    if (rc < 0) return encoder_error("codec parameters", rc);
    stream_->time_base = c->time_base;

    if (Status s = add_chapters(settings); !s) return s;
    if (Status s = add_cover_stream(settings); !s) return s;

    if (Status s = output_.open(settings); !s) return s;
    format_->pb = output_.pb();
    AVDictionary* options = nullptr;
    if (settings.output.format == OutputFormat::kM4b) av_dict_set(&options, "brand", "M4B ", 0);
    if (is_mp4(settings.output.format)) {
      // The movie's timescale is the sample rate, so that the edit list that skips the priming
      // states the duration to the sample (the default, 1000, rounds it to milliseconds).
      av_dict_set_int(&options, "movie_timescale", c->sample_rate, 0);
      if (settings.sink == EncoderSink::kFile) {
        av_dict_set(&options, "movflags", "+faststart", 0);
      } else if (settings.sink == EncoderSink::kStream) {
        av_dict_set(&options, "movflags", "+empty_moov+default_base_moof+frag_custom", 0);
      }
    }
    rc = avformat_write_header(format_, &options);
    av_dict_free(&options);
    if (rc < 0) return encoder_error("cannot write the header", rc);
    if (Status s = write_cover(settings); !s) return s;
    frame_size_ = c->frame_size > 0 ? c->frame_size : 4096;
    small_last_frame_ =
        c->frame_size == 0 ||
        (codec->capabilities & (AV_CODEC_CAP_SMALL_LAST_FRAME | AV_CODEC_CAP_VARIABLE_FRAME_SIZE));
    priming_ = c->initial_padding;
    return Status::success();
  }

  Status add(std::span<const int16_t> samples) override {
    if (failed_ || finished_) return encoder_error("used after failure or finish");
    pending_.insert(pending_.end(), samples.begin(), samples.end());
    std::size_t used = 0;
    while (pending_.size() - used >= static_cast<std::size_t>(frame_size_)) {
      if (Status s = encode_frame(std::span(pending_).subspan(used, frame_size_)); !s) {
        return fail(s);
      }
      used += frame_size_;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
    if (settings_.sink == EncoderSink::kStream) {
      // Complete Ogg pages, a fragment of MP4: what is encoded goes out now, not a page later.
      if (format_->oformat->flags & AVFMT_ALLOW_FLUSH) av_write_frame(format_, nullptr);
      avio_flush(format_->pb);
    }
    return Status::success();
  }

  Status finish() override {
    if (failed_ || finished_) return encoder_error("used after failure or finish");
    finished_ = true;
    if (!pending_.empty()) {
      if (!small_last_frame_) pending_.resize(frame_size_, 0);
      if (Status s = encode_frame(pending_); !s) return fail(s);
      pending_.clear();
    }
    if (Status s = drain(nullptr); !s) return fail(s);
    const int rc = av_write_trailer(format_);
    if (rc < 0) return fail(encoder_error("cannot write the trailer", rc));
    avio_flush(format_->pb);
    if (format_->pb->error < 0) {
      return fail(Error{ErrorKind::kIo,
                        "cannot write the output: " + av_error_string(format_->pb->error), ""});
    }
    return Status::success();
  }

  std::string take() override { return output_.take(); }

  int64_t priming_samples() const override { return priming_; }

 private:
  // Chapters of a file that is written whole (a stream's are not known when it starts): the
  // muxer writes them from the context's chapter list, MP4 as a chapter track and a chpl atom,
  // Ogg as CHAPTERxxx comments. Times in samples, exact until the muxer rounds them.
  Status add_chapters(const EncoderSettings& settings) {
    const OutputFormat f = settings.output.format;
    if (settings.chapters.empty() || settings.sink == EncoderSink::kStream ||
        !(is_mp4(f) || f == OutputFormat::kOpus)) {
      return Status::success();
    }
    const auto count = static_cast<unsigned>(settings.chapters.size());
    format_->chapters =
        static_cast<AVChapter**>(av_calloc(count, sizeof(AVChapter*)));  // freed with format_
    if (!format_->chapters) return encoder_error("out of memory");
    for (unsigned i = 0; i < count; ++i) {
      auto* chapter = static_cast<AVChapter*>(av_mallocz(sizeof(AVChapter)));
      if (!chapter) return encoder_error("out of memory");
      format_->chapters[i] = chapter;
      format_->nb_chapters = i + 1;
      const Chapter& c = settings.chapters[i];
      chapter->id = i;
      chapter->time_base = AVRational{1, settings.output.sample_rate};
      chapter->start = c.start_samples;
      chapter->end = c.end_samples;
      // MP4's Nero chapter list (chpl) keeps 255 bytes of a title, cut wherever they end (in
      // the middle of an Arabic letter, say): cut at a character boundary here instead.
      const std::string title = is_mp4(settings.output.format)
                                    ? cut_at_character(c.title, kMaxMp4ChapterTitleBytes)
                                    : c.title;
      if (av_dict_set(&chapter->metadata, "title", title.c_str(), 0) < 0) {
        return encoder_error("out of memory");
      }
    }
    return Status::success();
  }

  // MP4's cover: a stream of one attached picture, which the muxer keeps as the "covr" item.
  Status add_cover_stream(const EncoderSettings& settings) {
    if (settings.cover.bytes.empty() || !is_mp4(settings.output.format) ||
        settings.sink == EncoderSink::kStream) {
      return Status::success();
    }
    cover_ = avformat_new_stream(format_, nullptr);
    if (!cover_) return encoder_error("out of memory");
    cover_->disposition |= AV_DISPOSITION_ATTACHED_PIC;
    cover_->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
    cover_->codecpar->codec_id = settings.cover.png ? AV_CODEC_ID_PNG : AV_CODEC_ID_MJPEG;
    cover_->codecpar->width = settings.cover.width;  // the muxer refuses video without them
    cover_->codecpar->height = settings.cover.height;
    cover_->time_base = AVRational{1, 90000};
    return Status::success();
  }

  Status write_cover(const EncoderSettings& settings) {
    if (!cover_) return Status::success();
    PacketPtr packet(av_packet_alloc());
    if (!packet) return encoder_error("out of memory");
    const auto size = static_cast<int>(settings.cover.bytes.size());
    if (int rc = av_new_packet(packet.get(), size); rc < 0) return encoder_error("cover", rc);
    std::memcpy(packet->data, settings.cover.bytes.data(), settings.cover.bytes.size());
    packet->stream_index = cover_->index;
    packet->flags |= AV_PKT_FLAG_KEY;
    packet->pts = packet->dts = 0;
    if (int rc = av_write_frame(format_, packet.get()); rc < 0) {
      return encoder_error("cannot write the cover", rc);
    }
    return Status::success();
  }

  Status fail(Status s) {
    failed_ = true;
    return s;
  }

  Status encode_frame(std::span<const int16_t> samples) {
    AVFrame* f = frame_.get();
    av_frame_unref(f);
    f->nb_samples = static_cast<int>(samples.size());
    f->format = codec_->sample_fmt;
    f->sample_rate = codec_->sample_rate;
    if (int rc = av_channel_layout_copy(&f->ch_layout, &codec_->ch_layout); rc < 0) {
      return encoder_error("channel layout", rc);
    }
    if (int rc = av_frame_get_buffer(f, 0); rc < 0) return encoder_error("frame buffer", rc);
    if (codec_->sample_fmt == AV_SAMPLE_FMT_S16) {
      std::memcpy(f->data[0], samples.data(), samples.size() * sizeof(int16_t));
    } else {
      auto* out = reinterpret_cast<float*>(f->data[0]);
      for (std::size_t i = 0; i < samples.size(); ++i) out[i] = samples[i] / 32768.0f;
    }
    f->pts = next_pts_;
    next_pts_ += f->nb_samples;
    return drain(f);
  }

  // Sends `frame` (nullptr: end of input) and writes every packet the codec has ready.
  Status drain(AVFrame* frame) {
    int rc = avcodec_send_frame(codec_.get(), frame);
    if (rc < 0) return encoder_error("encoding failed", rc);
    while (true) {
      rc = avcodec_receive_packet(codec_.get(), packet_.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return Status::success();
      if (rc < 0) return encoder_error("encoding failed", rc);
      av_packet_rescale_ts(packet_.get(), codec_->time_base, stream_->time_base);
      packet_->stream_index = stream_->index;
      rc = av_interleaved_write_frame(format_, packet_.get());  // takes the packet's data
      if (rc < 0) return encoder_error("muxing failed", rc);
    }
  }

  EncoderSettings settings_;
  CodecContextPtr codec_;
  FramePtr frame_;
  PacketPtr packet_;
  AVFormatContext* format_ = nullptr;
  AVStream* stream_ = nullptr;
  AVStream* cover_ = nullptr;  // m4a/m4b with a cover
  Output output_;  // the muxer's AVIOContext: freed after format_ (the destructor's body)
  int frame_size_ = 0;
  bool small_last_frame_ = false;
  int64_t priming_ = 0;
  int64_t next_pts_ = 0;
  std::vector<int16_t> pending_;  // fewer than frame_size_ samples between calls
  bool failed_ = false;
  bool finished_ = false;
};

}  // namespace
}  // namespace polyvox::audio

extern "C" __attribute__((visibility("default"))) bool polyvox_open_encoder(
    const polyvox::audio::EncoderSettings* settings,
    std::unique_ptr<polyvox::audio::AudioEncoder>* out, polyvox::Error* error) {
  static const bool quiet = (av_log_set_level(AV_LOG_QUIET), true);  // errors come back as values
  (void)quiet;
  auto encoder = std::make_unique<polyvox::audio::FfmpegEncoder>();
  if (polyvox::Status s = encoder->open(*settings); !s) {
    *error = s.error();
    return false;
  }
  *out = std::move(encoder);
  return true;
}
