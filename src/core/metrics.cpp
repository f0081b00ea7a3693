#include "core/metrics.h"

#include <cmath>
#include <sstream>

namespace polyvox {
namespace {

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string labels_text(const std::vector<std::string>& names,
                        const std::vector<std::string>& values, const std::string& extra = "") {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!out.empty()) out += ",";
    out += names[i] + "=\"" + escape_label(values[i]) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

}  // namespace

void Histogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(std::max(0.0, seconds) * 1e6),
                        std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::array<uint64_t, Histogram::kBounds.size() + 1> Histogram::cumulative() const {
  std::array<uint64_t, kBounds.size() + 1> out{};
  uint64_t running = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

Family<Counter>& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                          std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  Entry& e = entries_[name];
  if (!e.counters) {
    e.help = help;
    e.counters = std::make_unique<Family<Counter>>(std::move(labels));
  }
  return *e.counters;
}

Family<Histogram>& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                              std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  Entry& e = entries_[name];
  if (!e.histograms) {
    e.help = help;
    e.histograms = std::make_unique<Family<Histogram>>(std::move(labels));
  }
  return *e.histograms;
}

void MetricsRegistry::gauge(const std::string& name, const std::string& help,
                            std::vector<std::string> labels, GaugeSource source) {
  std::lock_guard lock(mutex_);
  Entry& e = entries_[name];
  e.help = help;
  e.gauge_labels = std::move(labels);
  e.gauge = std::move(source);
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& entry : entries_) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const std::string& name = entry.first;
    const auto& e = entry.second;
    if (e.counters) {
      out += "# HELP " + name + " " + e.help + "\n# TYPE " + name + " counter\n";
      e.counters->for_each([&](const std::vector<std::string>& values, const Counter& c) {
        out += name + labels_text(e.counters->label_names(), values) + " " +
               std::to_string(c.value()) + "\n";
      });
    } else if (e.histograms) {
      out += "# HELP " + name + " " + e.help + "\n# TYPE " + name + " histogram\n";
      e.histograms->for_each([&](const std::vector<std::string>& values, const Histogram& h) {
        const auto& names = e.histograms->label_names();
        const auto counts = h.cumulative();
        for (std::size_t i = 0; i < counts.size(); ++i) {
          const std::string le =
              i < Histogram::kBounds.size() ? number(Histogram::kBounds[i]) : "+Inf";
          out += name + "_bucket" + labels_text(names, values, "le=\"" + le + "\"") + " " +
                 std::to_string(counts[i]) + "\n";
        }
        out += name + "_sum" + labels_text(names, values) + " " + number(h.sum()) + "\n";
        out +=
            name + "_count" + labels_text(names, values) + " " + std::to_string(h.count()) + "\n";
      });
    } else if (e.gauge) {
      out += "# HELP " + name + " " + e.help + "\n# TYPE " + name + " gauge\n";
      for (const auto& [values, v] : e.gauge()) {
        out += name + labels_text(e.gauge_labels, values) + " " + number(v) + "\n";
      }
    }
  }
  return out;
}

}  // namespace polyvox
