// libavfilter's rubberband or atempo filter over one buffer of mono float PCM. Built as a
// module of its own (libpolyvox_avfilter.so) so that libavfilter and what it links (rubberband,
// ...) are mapped only by processes that stretch.
#include "audio/time_stretch_filter.h"

extern "C" {
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
}

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

namespace {

using polyvox::audio::TimeStretchFn;

struct GraphFreer {
  void operator()(AVFilterGraph* graph) const { avfilter_graph_free(&graph); }
};
struct FrameFreer {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct InOutFreer {
  void operator()(AVFilterInOut* inout) const { avfilter_inout_free(&inout); }
};
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;

// Samples per frame fed to the graph.
constexpr int kFrameSamples = 4096;
// atempo takes 0.5..100 per instance; a wider tempo is a chain of equal stages.
constexpr double kAtempoMin = 0.5;
constexpr double kAtempoMax = 100.0;

std::string av_message(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

// The filter description between the buffer source and the sink.
std::string chain(const std::string& filter, double tempo) {
  std::string out;
  if (filter == "rubberband") {
    out = "rubberband=tempo=" + number(tempo);
  } else {
    int stages = 1;
    while (std::pow(tempo, 1.0 / stages) < kAtempoMin ||
           std::pow(tempo, 1.0 / stages) > kAtempoMax) {
      ++stages;
    }
    const double each = std::pow(tempo, 1.0 / stages);
    for (int i = 0; i < stages; ++i) out += (i ? ",atempo=" : "atempo=") + number(each);
  }
  return out + ",aformat=sample_fmts=flt:channel_layouts=mono";
}

// Moves every frame the sink has ready into `out`; false with `error` on a filter error.
// `done` set once the sink reports the end of the stream.
bool drain(AVFilterContext* sink, AVFrame* frame, std::vector<float>* out, bool& done,
           std::string* error) {
  for (;;) {
    const int rc = av_buffersink_get_frame(sink, frame);
    if (rc == AVERROR(EAGAIN)) return true;
    if (rc == AVERROR_EOF) {
      done = true;
      return true;
    }
    if (rc < 0) {
      *error = "reading the filter's output: " + av_message(rc);
      return false;
    }
    const auto* data = reinterpret_cast<const float*>(frame->extended_data[0]);
    out->insert(out->end(), data, data + frame->nb_samples);
    av_frame_unref(frame);
  }
}

bool stretch(const float* samples, std::size_t count, int sample_rate, double tempo,
             const std::string& filter, std::vector<float>* out, std::string* error) {
  std::unique_ptr<AVFilterGraph, GraphFreer> graph(avfilter_graph_alloc());
  if (!graph) {
    *error = "out of memory";
    return false;
  }
  graph->nb_threads = 1;  // the worker pool is the parallelism
  const std::string source_args = "sample_rate=" + std::to_string(sample_rate) +
                                  ":sample_fmt=flt:channel_layout=mono:time_base=1/" +
                                  std::to_string(sample_rate);
  AVFilterContext* source = nullptr;
  AVFilterContext* sink = nullptr;
  int rc = avfilter_graph_create_filter(&source, avfilter_get_by_name("abuffer"), "in",
                                        source_args.c_str(), nullptr, graph.get());
  if (rc >= 0) {
    rc = avfilter_graph_create_filter(&sink, avfilter_get_by_name("abuffersink"), "out", nullptr,
                                      nullptr, graph.get());
  }
  if (rc < 0) {
    *error = "creating the filter graph: " + av_message(rc);
    return false;
  }
  // The parser's view: its input is our source's output ("in"), its output our sink ("out").
  std::unique_ptr<AVFilterInOut, InOutFreer> outputs(avfilter_inout_alloc());
  std::unique_ptr<AVFilterInOut, InOutFreer> inputs(avfilter_inout_alloc());
  if (!outputs || !inputs) {
    *error = "out of memory";
    return false;
  }
  outputs->name = av_strdup("in");
  outputs->filter_ctx = source;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = sink;
  const std::string description = chain(filter, tempo);
  AVFilterInOut* in_raw = inputs.release();
  AVFilterInOut* out_raw = outputs.release();
  rc = avfilter_graph_parse_ptr(graph.get(), description.c_str(), &in_raw, &out_raw, nullptr);
  inputs.reset(in_raw);
  outputs.reset(out_raw);
  if (rc >= 0) rc = avfilter_graph_config(graph.get(), nullptr);
  if (rc < 0) {
    *error = "configuring '" + description + "': " + av_message(rc);
    return false;
  }

  FramePtr frame(av_frame_alloc());
  FramePtr output(av_frame_alloc());
  if (!frame || !output) {
    *error = "out of memory";
    return false;
  }
  out->reserve(out->size() + static_cast<std::size_t>(static_cast<double>(count) / tempo) + 1);
  bool done = false;
  for (std::size_t at = 0; at < count; at += kFrameSamples) {
    const int n = static_cast<int>(std::min<std::size_t>(kFrameSamples, count - at));
    frame->format = AV_SAMPLE_FMT_FLT;
    av_channel_layout_default(&frame->ch_layout, 1);
    frame->sample_rate = sample_rate;
    frame->nb_samples = n;
    frame->pts = static_cast<int64_t>(at);
    rc = av_frame_get_buffer(frame.get(), 0);
    if (rc >= 0) {
      std::memcpy(frame->extended_data[0], samples + at, sizeof(float) * n);
      rc = av_buffersrc_add_frame(source, frame.get());  // takes the frame's reference
    }
    av_frame_unref(frame.get());
    if (rc < 0) {
      *error = "feeding the filter: " + av_message(rc);
      return false;
    }
    if (!drain(sink, output.get(), out, done, error)) return false;
  }
  rc = av_buffersrc_add_frame(source, nullptr);  // the end: filters flush what they hold
  if (rc < 0) {
    *error = "ending the filter's input: " + av_message(rc);
    return false;
  }
  while (!done) {
    if (!drain(sink, output.get(), out, done, error)) return false;
    if (!done) {
      // Nothing ready yet and no end: ask the graph to run (a filter holding the last frames).
      rc = avfilter_graph_request_oldest(graph.get());
      if (rc == AVERROR_EOF) {
        if (!drain(sink, output.get(), out, done, error)) return false;
        break;
      }
      if (rc < 0 && rc != AVERROR(EAGAIN)) {
        *error = "flushing the filter: " + av_message(rc);
        return false;
      }
    }
  }
  return true;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) bool polyvox_time_stretch(
    const float* samples, std::size_t count, int sample_rate, double tempo, const char* filter,
    std::vector<float>* out, std::string* used, std::string* error) {
  static_assert(std::is_same_v<decltype(&polyvox_time_stretch), TimeStretchFn>);
  std::string name = filter ? filter : "";
  if (name.empty()) name = avfilter_get_by_name("rubberband") ? "rubberband" : "atempo";
  if (!avfilter_get_by_name(name.c_str())) {
    *error = "this FFmpeg has no '" + name + "' filter";
    return false;
  }
  *used = name;
  if (count == 0) return true;
  if (sample_rate <= 0 || !(tempo > 0) || !std::isfinite(tempo)) {
    *error = "invalid sample rate or tempo";
    return false;
  }
  return stretch(samples, count, sample_rate, tempo, name, out, error);
}
