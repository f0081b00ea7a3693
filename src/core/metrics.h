// In-process metrics rendered in the Prometheus text format: counters, gauges computed on
// demand, and histograms. Updating is lock-free (atomics); families with labels take a lock
// only to create a new label set.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace polyvox {

class Counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Latency histogram with fixed bucket bounds in seconds.
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
  void observe(double seconds);
  // Cumulative counts per bound, then +Inf; the sum of observations.
  std::array<uint64_t, kBounds.size() + 1> cumulative() const;
  double sum() const { return static_cast<double>(sum_micros_.load()) / 1e6; }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_micros_{0};
  std::atomic<uint64_t> count_{0};
};

// A family of counters or histograms by label values, e.g. requests{route, status}.
template <typename T>
class Family {
 public:
  explicit Family(std::vector<std::string> label_names) : label_names_(std::move(label_names)) {}

  // The member for these label values (created on first use). The reference stays valid.
  T& with(const std::vector<std::string>& label_values) {
    std::lock_guard lock(mutex_);
    auto& slot = members_[label_values];
    if (!slot) slot = std::make_unique<T>();
    return *slot;
  }

  template <typename F>
  void for_each(F&& f) const {
    std::lock_guard lock(mutex_);
    for (const auto& [labels, member] : members_) f(labels, *member);
  }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> members_;
};

// Every metric of the process. Thread-safe.
class MetricsRegistry {
 public:
  // A labeled counter family; the same name returns the same family.
  Family<Counter>& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> labels = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> labels = {});
  // A gauge whose samples are computed when rendering: each pair is (label values, value).
  using GaugeSource = std::function<std::vector<std::pair<std::vector<std::string>, double>>()>;
  void gauge(const std::string& name, const std::string& help, std::vector<std::string> labels,
             GaugeSource source);

  // The Prometheus text exposition (version 0.0.4).
  std::string render() const;

 private:
  struct Entry {
    std::string help;
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Histogram>> histograms;
    std::vector<std::string> gauge_labels;
    GaugeSource gauge;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace polyvox
