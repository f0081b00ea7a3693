// Assembly benchmark tool.
//   assembly_bench prepare DIR   writes DIR/segment-0..99.mp3: 100 blocks of 10 s speech-like
//                                signal, each followed by 250 ms of silence, encoded as Polyvox
//                                segments, plus DIR/concat.txt for ffmpeg's concat demuxer.
//   assembly_bench assemble DIR OUT   assembles them into OUT and prints the wall time in ms.
//   assembly_bench stream DIR    streams them as the blocks would complete (ProgressiveAssembler)
//                                and prints the wall time of all add() calls and of the slowest
//                                one, in ms (segment reads not included).
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
#include "audio/pcm.h"
#include "audio/progressive_assembler.h"
#include "audio/segment.h"

namespace fs = std::filesystem;
using namespace polyvox;

namespace {

constexpr int kRate = 44100;
constexpr int kBlocks = 100;

// Syllable-like bursts: a few harmonics under a 4 Hz envelope, with noise.
std::vector<float> speech_like(double seconds, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  const auto n = static_cast<std::size_t>(seconds * kRate);
  std::vector<float> out(n);
  const double f0 = 110.0 + seed % 80;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kRate;
    const double envelope = std::pow(std::sin(M_PI * 4.0 * t), 2.0);
    double v = 0.0;
    for (int h = 1; h <= 6; ++h) v += std::sin(2.0 * M_PI * f0 * h * t) / h;
    out[i] = static_cast<float>(0.25 * envelope * v) + noise(rng);
  }
  return out;
}

std::string segment_name(int i) { return "segment-" + std::to_string(i) + ".mp3"; }

std::string read_segment(const fs::path& dir, std::size_t i) {
  const fs::path path = dir / segment_name(static_cast<int>(i));
  std::string bytes(fs::file_size(path), '\0');
  std::ifstream(path, std::ios::binary).read(bytes.data(), bytes.size());
  return bytes;
}

int prepare(const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream list(dir / "concat.txt");
  audio::SegmentOptions options;
  for (int i = 0; i < kBlocks; ++i) {
    auto seg = audio::encode_segment(speech_like(10.0, static_cast<unsigned>(i)), 0,
                                     audio::ms_to_samples(250, kRate), i + 1 == kBlocks, options);
    if (!seg) {
      std::fprintf(stderr, "encode failed: %s\n", seg.error().to_string().c_str());
      return 1;
    }
    std::ofstream(dir / segment_name(i), std::ios::binary) << seg->bytes;
    list << "file '" << (dir / segment_name(i)).string() << "'\n";
  }
  return 0;
}

int assemble(const fs::path& dir, const fs::path& out_path) {
  const auto start = std::chrono::steady_clock::now();
  std::FILE* out = std::fopen(out_path.c_str(), "wb");
  if (!out) return 1;
  auto result = audio::assemble_segments(
      OutputFormat::kMp3, kBlocks,
      [&](std::size_t i) -> Result<std::string> { return read_segment(dir, i); }, out);
  std::fclose(out);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!result) {
    std::fprintf(stderr, "assembly failed: %s\n", result.error().to_string().c_str());
    return 1;
  }
  std::printf("%.3f\n", ms);
  return 0;
}

int stream(const fs::path& dir) {
  audio::ProgressiveAssembler assembler(OutputFormat::kMp3, kBlocks);
  double total_ms = 0.0, slowest_ms = 0.0;
  uint64_t bytes = 0;
  for (int i = 0; i < kBlocks; ++i) {
    const std::string segment = read_segment(dir, static_cast<std::size_t>(i));
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
  if (mode == "prepare" && argc == 3) return prepare(argv[2]);
  if (mode == "assemble" && argc == 4) return assemble(argv[2], argv[3]);
  if (mode == "stream" && argc == 3) return stream(argv[2]);
  std::fprintf(stderr, "usage: assembly_bench prepare DIR | assemble DIR OUT | stream DIR\n");
  return 2;
}
