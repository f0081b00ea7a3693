// Times the embedded diacritizer line by line on one core: load time and the per-line latency
// distribution normalized to 50 words. Writes the diacritized lines for the scorer. Runs under
// the allocator settings of the polyvox commands (app/process_memory.h), which change what a
// large allocation costs.
// Usage: diacritizer_bench MODEL_FILE LEXICON_FILE UNDIACRITIZED_LINES OUTPUT_LINES
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "app/process_memory.h"
#include "text/embedded_diacritizer.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// CPU time of the calling thread: unlike wall time, not inflated by other processes.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::size_t count_words(const std::string& line) {
  std::istringstream in(line);
  std::size_t n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[i];
}

}  // namespace

int main(int argc, char** argv) {
  polyvox::tune_allocator();  // as polyvox's main() does
  if (argc != 5) {
    std::cerr << "usage: diacritizer_bench MODEL_FILE LEXICON_FILE INPUT_LINES OUTPUT_LINES\n";
    return 2;
  }
  const auto load_start = Clock::now();
  auto diacritizer = polyvox::EmbeddedDiacritizer::create(argv[1], argv[2]);
  const double load_ms = ms_since(load_start);
  if (!diacritizer) {
    std::cerr << diacritizer.error().to_string() << "\n";
    return 1;
  }
  std::ifstream in(argv[3]);
  std::ofstream out(argv[4]);
  if (!in || !out) {
    std::cerr << "cannot open the input or output file\n";
    return 2;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);

  std::vector<double> per_50_words, per_line, cpu_per_50_words;
  std::size_t words = 0;
  const auto all_start = Clock::now();
  for (const auto& line : lines) {
    const auto start = Clock::now();
    const double cpu_start = thread_cpu_ms();
    const std::string result = (*diacritizer)->diacritize_line(line);
    const double cpu_ms = thread_cpu_ms() - cpu_start;
    const double ms = ms_since(start);
    out << result << '\n';
    const std::size_t n = count_words(line);
    words += n;
    per_line.push_back(ms);
    if (n > 0) per_50_words.push_back(ms * 50.0 / static_cast<double>(n));
    if (n > 0) cpu_per_50_words.push_back(cpu_ms * 50.0 / static_cast<double>(n));
  }
  const double total_ms = ms_since(all_start);
  std::printf("model load: %.1f ms\n", load_ms);
  std::printf("lines: %zu, words: %zu, total %.0f ms, %.0f words/s (one thread)\n", lines.size(),
              words, total_ms, 1000.0 * static_cast<double>(words) / total_ms);
  std::printf("latency per 50 words: median %.2f ms, p90 %.2f ms, p99 %.2f ms\n",
              percentile(per_50_words, 0.5), percentile(per_50_words, 0.9),
              percentile(per_50_words, 0.99));
  std::printf("CPU time per 50 words: median %.2f ms, p90 %.2f ms, p99 %.2f ms\n",
              percentile(cpu_per_50_words, 0.5), percentile(cpu_per_50_words, 0.9),
              percentile(cpu_per_50_words, 0.99));
  std::printf("latency per line:     median %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              percentile(per_line, 0.5), percentile(per_line, 0.9), percentile(per_line, 0.99),
              percentile(per_line, 1.0));
  return 0;
}
