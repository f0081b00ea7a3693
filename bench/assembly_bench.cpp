// Assembly benchmark tool. FORMAT (default mp3) is any output format; RATE defaults to the
// format's default at OUTPUT_SAMPLE_RATE 44100 (opus: 48000).
//   assembly_bench prepare DIR [FORMAT]   writes DIR/segment-0..99.mp3 (mp3) or .wav (every
//                                other format: lossless segments): 100 blocks of 10 s
//                                speech-like signal, each followed by 250 ms of silence, encoded
//                                as Polyvox segments, plus DIR/concat.txt for ffmpeg's concat
//                                demuxer.
//   assembly_bench assemble DIR OUT [FORMAT]   makes the final file OUT (mp3, wav, pcm: no
//                                re-encode; flac, opus, aac, m4a: encoded once) and prints the
//                                wall time in ms.
//   assembly_bench stream DIR [FORMAT]   streams them as the blocks would complete
//                                (ProgressiveAssembler) and prints the wall time of all add()
//                                calls and of the slowest one, in ms (segment reads not
//                                included).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "audio/assembler.h"
#include "audio/audio_encoder.h"
#include "audio/final_encoder.h"
#include "audio/pcm.h"
#include "audio/progressive_assembler.h"
#include "audio/segment.h"

namespace fs = std::filesystem;
using namespace polyvox;

namespace {

constexpr int kBlocks = 100;

// The bench's one format and its settings (the defaults a job of that format gets).
struct Bench {
  AudioOutput output;
  std::string segment_extension;
};

Bench bench_for(const char* name) {
  const auto format = parse_output_format(name ? name : "mp3").value_or(OutputFormat::kMp3);
  return Bench{resolve_output(format, 0, 0, 44100, 128),
               has_mp3_segments(format) ? ".mp3" : ".wav"};
}

// Syllable-like bursts: a few harmonics under a 4 Hz envelope, with noise.
std::vector<float> speech_like(double seconds, unsigned seed, int rate) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  const auto n = static_cast<std::size_t>(seconds * rate);
  std::vector<float> out(n);
  const double f0 = 110.0 + seed % 80;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    const double envelope = std::pow(std::sin(M_PI * 4.0 * t), 2.0);
    double v = 0.0;
    for (int h = 1; h <= 6; ++h) v += std::sin(2.0 * M_PI * f0 * h * t) / h;
    out[i] = static_cast<float>(0.25 * envelope * v) + noise(rng);
  }
  return out;
}

std::string segment_name(int i, const Bench& bench) {
  return "segment-" + std::to_string(i) + bench.segment_extension;
}

std::string read_segment(const fs::path& dir, std::size_t i, const Bench& bench) {
  const fs::path path = dir / segment_name(static_cast<int>(i), bench);
  std::string bytes(fs::file_size(path), '\0');
  std::ifstream(path, std::ios::binary).read(bytes.data(), bytes.size());
  return bytes;
}

int prepare(const fs::path& dir, const Bench& bench) {
  fs::create_directories(dir);
  std::ofstream list(dir / "concat.txt");
  audio::SegmentOptions options;
  options.format = bench.output.format;
  options.sample_rate = bench.output.sample_rate;
  const int rate = options.sample_rate;
  for (int i = 0; i < kBlocks; ++i) {
    auto seg = audio::encode_segment(speech_like(10.0, static_cast<unsigned>(i), rate), 0,
                                     audio::ms_to_samples(250, rate), i + 1 == kBlocks, options);
    if (!seg) {
      std::fprintf(stderr, "encode failed: %s\n", seg.error().to_string().c_str());
      return 1;
    }
    std::ofstream(dir / segment_name(i, bench), std::ios::binary) << seg->bytes;
    list << "file '" << (dir / segment_name(i, bench)).string() << "'\n";
  }
  return 0;
}

int assemble(const fs::path& dir, const fs::path& out_path, const Bench& bench) {
  const auto start = std::chrono::steady_clock::now();
  const audio::SegmentSource source = [&](std::size_t i) -> Result<std::string> {
    return read_segment(dir, i, bench);
  };
  Result<audio::AssemblyResult> result = Error{ErrorKind::kInternal, "not assembled", ""};
  if (audio::needs_encoder(bench.output.format)) {
    result = audio::encode_segments(bench.output, kBlocks, source, out_path);
  } else {
    std::FILE* out = std::fopen(out_path.c_str(), "wb");
    if (!out) return 1;
    result = audio::assemble_segments(bench.output.format, kBlocks, source, out);
    std::fclose(out);
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!result) {
    std::fprintf(stderr, "assembly failed: %s\n", result.error().to_string().c_str());
    return 1;
  }
  std::printf("%.3f\n", ms);
  return 0;
}

int stream(const fs::path& dir, const Bench& bench) {
  audio::ProgressiveAssembler assembler(bench.output.format, kBlocks, bench.output.bitrate_kbps);
  double total_ms = 0.0, slowest_ms = 0.0;
  uint64_t bytes = 0;
  for (int i = 0; i < kBlocks; ++i) {
    const std::string segment = read_segment(dir, static_cast<std::size_t>(i), bench);
    const auto start = std::chrono::steady_clock::now();
    auto chunk = assembler.add(segment);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!chunk) {
      std::fprintf(stderr, "stream failed: %s\n", chunk.error().to_string().c_str());
      return 1;
    }
    bytes += chunk->size();
    total_ms += ms;
    slowest_ms = std::max(slowest_ms, ms);
  }
  if (!assembler.finish()) return 1;
  std::printf("%.3f %.3f %llu\n", total_ms, slowest_ms, static_cast<unsigned long long>(bytes));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "prepare" && (argc == 3 || argc == 4)) {
    return prepare(argv[2], bench_for(argc == 4 ? argv[3] : nullptr));
  }
  if (mode == "assemble" && (argc == 4 || argc == 5)) {
    return assemble(argv[2], argv[3], bench_for(argc == 5 ? argv[4] : nullptr));
  }
  if (mode == "stream" && (argc == 3 || argc == 4)) {
    return stream(argv[2], bench_for(argc == 4 ? argv[3] : nullptr));
  }
  std::fprintf(stderr,
               "usage: assembly_bench prepare DIR [FORMAT] | assemble DIR OUT [FORMAT] | "
               "stream DIR [FORMAT]\n");
  return 2;
}
