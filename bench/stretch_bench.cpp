// Time stretch benchmark: the CPU cost of a block speed the provider cannot make itself.
//   stretch_bench [RUNS]   speaks a paragraph with espeak-ng (about 20 s of speech at its own
//                          22.05 kHz), then stretches it RUNS times (default 15) per filter and
//                          tempo, printing the median milliseconds of one thread's wall time per
//                          second of input speech.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "audio/decoder.h"
#include "audio/time_stretch.h"
#include "providers/espeak_provider.h"

using namespace polyvox;

namespace {

constexpr const char* kParagraph =
    "Polyvox turns ordered text blocks into one audio file. Each block has its own provider, "
    "voice and pause, and now its own speed as well. When a provider cannot make the pace a "
    "block asks for, the decoded speech is stretched in time without changing its pitch, before "
    "its silence is trimmed and its loudness is measured. This paragraph is long enough to give "
    "the filters some twenty seconds of speech to work on, so that their start-up cost is a "
    "small part of the figure.";

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 15;
  auto espeak = EspeakProvider::create();
  if (!espeak) return std::fprintf(stderr, "%s\n", espeak.error().message.c_str()), 1;
  SynthesisRequest request{kParagraph, *(*espeak)->resolve_voice("en-us")};
  auto answer = (*espeak)->synthesize(request);
  if (!answer) return std::fprintf(stderr, "%s\n", answer.error().message.c_str()), 1;
  auto pcm = audio::decode_audio(*answer);
  if (!pcm) return std::fprintf(stderr, "%s\n", pcm.error().message.c_str()), 1;
  const double seconds = pcm->duration_ms() / 1000.0;
  auto best = audio::best_stretch_filter();
  std::printf("input: %.1f s of espeak-ng speech at %d Hz; kBest = %s\n", seconds, pcm->sample_rate,
              best ? best->c_str() : best.error().message.c_str());
  const std::pair<const char*, audio::StretchFilter> filters[] = {
      {"rubberband", audio::StretchFilter::kRubberband}, {"atempo", audio::StretchFilter::kAtempo}};
  for (const auto& [name, filter] : filters) {
    for (double tempo : {0.5, 0.8, 1.25, 2.0, 4.0}) {
      std::vector<double> ms_per_second;
      for (int i = 0; i < runs; ++i) {
        const auto start = std::chrono::steady_clock::now();
        auto out = audio::time_stretch(*pcm, tempo, filter);
        const std::chrono::duration<double, std::milli> took =
            std::chrono::steady_clock::now() - start;
        if (!out) return std::fprintf(stderr, "%s\n", out.error().message.c_str()), 1;
        ms_per_second.push_back(took.count() / seconds);
      }
      std::printf("%-10s tempo %4.2f   median %6.2f ms per second of speech\n", name, tempo,
                  median(ms_per_second));
    }
  }
  return 0;
}
