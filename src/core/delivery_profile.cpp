#include "core/delivery_profile.h"

#include <array>
#include <cmath>
#include <cstdio>

namespace polyvox {
namespace {

struct ProfileRow {
  DeliveryProfile profile;
  const char* name;
};

constexpr std::array<ProfileRow, 5> kProfiles{{
    {DeliveryProfile::kServer, ""},
    {DeliveryProfile::kPodcast, "podcast"},
    {DeliveryProfile::kAudiobook, "audiobook"},
    {DeliveryProfile::kBroadcast, "broadcast"},
    {DeliveryProfile::kNone, "none"},
}};

}  // namespace

const char* delivery_profile_name(DeliveryProfile profile) {
  for (const ProfileRow& r : kProfiles) {
    if (r.profile == profile) return r.name;
  }
  return "";
}

std::optional<DeliveryProfile> parse_delivery_profile(std::string_view name) {
  for (const ProfileRow& r : kProfiles) {
    if (name == r.name) return r.profile;
  }
  return std::nullopt;
}

const char* delivery_profile_names() { return "podcast, audiobook, broadcast, none"; }

ProfileTargets profile_targets(DeliveryProfile profile) {
  ProfileTargets t;
  switch (profile) {
    case DeliveryProfile::kPodcast:
      t.integrated_lufs = -16.0;
      t.max_true_peak_dbtp = -1.0;
      break;
    case DeliveryProfile::kBroadcast:
      t.integrated_lufs = -23.0;
      t.max_true_peak_dbtp = -1.0;
      break;
    case DeliveryProfile::kAudiobook:
      // ACX's submission requirements; the room tone is made in the middle of its ranges.
      t.rms_db = -20.0;
      t.rms_tolerance_db = 1.0;
      t.max_true_peak_dbtp = -3.0;
      t.max_noise_floor_db = -60.0;
      t.lead_ms = 750;
      t.tail_ms = 2000;
      t.min_lead_ms = 500;
      t.max_lead_ms = 1000;
      t.min_tail_ms = 1000;
      t.max_tail_ms = 5000;
      break;
    case DeliveryProfile::kServer:
    case DeliveryProfile::kNone:
      break;
  }
  return t;
}

namespace {

std::string number(double v) {
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string measurements(const FileLoudness& m) {
  return "integrated " + number(m.integrated_lufs) + " LUFS, true peak " +
         number(m.true_peak_dbtp) + " dBTP, RMS " + number(m.rms_db) + " dB, noise floor " +
         number(m.noise_floor_db) + " dB, lead " + std::to_string(m.lead_ms) + " ms, tail " +
         std::to_string(m.tail_ms) + " ms";
}

}  // namespace

std::string profile_violation(DeliveryProfile profile, const FileLoudness& measured) {
  const ProfileTargets t = profile_targets(profile);
  std::string problems;
  auto add = [&](const std::string& problem) {
    problems += (problems.empty() ? "" : "; ") + problem;
  };
  if (t.integrated_lufs &&
      !(std::fabs(measured.integrated_lufs - *t.integrated_lufs) <= t.integrated_tolerance_lu)) {
    add("integrated loudness " + number(measured.integrated_lufs) + " LUFS is outside " +
        number(*t.integrated_lufs) + " +-" + number(t.integrated_tolerance_lu) + " LU");
  }
  if (t.rms_db && !(std::fabs(measured.rms_db - *t.rms_db) <= t.rms_tolerance_db)) {
    add("RMS " + number(measured.rms_db) + " dB is outside " + number(*t.rms_db) + " +-" +
        number(t.rms_tolerance_db) + " dB");
  }
  if (t.max_true_peak_dbtp && measured.true_peak_dbtp > *t.max_true_peak_dbtp) {
    add("true peak " + number(measured.true_peak_dbtp) + " dBTP is above " +
        number(*t.max_true_peak_dbtp) + " dBTP");
  }
  if (t.max_noise_floor_db && measured.noise_floor_db > *t.max_noise_floor_db) {
    add("noise floor " + number(measured.noise_floor_db) + " dB is above " +
        number(*t.max_noise_floor_db) + " dB");
  }
  if (t.max_lead_ms > 0 && (measured.lead_ms < t.min_lead_ms || measured.lead_ms > t.max_lead_ms)) {
    add("room tone at the start " + std::to_string(measured.lead_ms) + " ms is outside " +
        std::to_string(t.min_lead_ms) + "-" + std::to_string(t.max_lead_ms) + " ms");
  }
  if (t.max_tail_ms > 0 && (measured.tail_ms < t.min_tail_ms || measured.tail_ms > t.max_tail_ms)) {
    add("room tone at the end " + std::to_string(measured.tail_ms) + " ms is outside " +
        std::to_string(t.min_tail_ms) + "-" + std::to_string(t.max_tail_ms) + " ms");
  }
  if (problems.empty()) return problems;
  return std::string("the ") + delivery_profile_name(profile) + " profile is not met: " + problems +
         "; measured: " + measurements(measured);
}

}  // namespace polyvox
