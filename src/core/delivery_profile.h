// Delivery profiles: where a job's file will be published (a podcast, an audiobook store, a
// broadcaster), and therefore the loudness its final file must have. Names, targets and
// tolerances; how they are met is the block pipeline's (worker/block_renderer.h) and how they are
// checked the assembly's (worker/worker_pool.h). Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace polyvox {

enum class DeliveryProfile {
  kServer,     // not given: the server-wide loudness setting (TARGET_LUFS, MAX_TRUE_PEAK_DBTP)
  kPodcast,    // -16 LUFS integrated, true peak <= -1 dBTP
  kAudiobook,  // ACX: RMS -20 dB +-1, peak <= -3 dB, noise floor <= -60 dB, room tone at both ends
  kBroadcast,  // EBU R128: -23 LUFS integrated, true peak <= -1 dBTP
  kNone,       // no loudness processing at all: each engine's own level
};

// "podcast", "audiobook", "broadcast", "none"; "" for kServer (what the stores keep for it).
const char* delivery_profile_name(DeliveryProfile profile);
// The inverse, "" included; nullopt for anything else.
std::optional<DeliveryProfile> parse_delivery_profile(std::string_view name);
// "podcast, audiobook, broadcast, none": for error messages.
const char* delivery_profile_names();

// What a profile asks of the final file. Unset bounds are not checked.
struct ProfileTargets {
  // Integrated loudness (EBU R128, LUFS) and its tolerance (LU); nullopt: not a target.
  std::optional<double> integrated_lufs;
  double integrated_tolerance_lu = 0.5;
  // Whole-file RMS (dBFS, as ACX measures it: over every sample) and its tolerance (dB).
  std::optional<double> rms_db;
  double rms_tolerance_db = 1.0;
  // Ceiling of the true peak (dBTP; ACX states a sample peak, the true peak is never below it).
  std::optional<double> max_true_peak_dbtp;
  // Ceiling of the noise floor (dBFS: RMS of the quietest 500 ms window).
  std::optional<double> max_noise_floor_db;
  // Room tone (silence) at the start and at the end of the file, milliseconds: what the pipeline
  // adds (lead_ms, tail_ms) and the bounds the file must then be within.
  int lead_ms = 0;
  int tail_ms = 0;
  int min_lead_ms = 0, max_lead_ms = 0;  // both 0: not checked
  int min_tail_ms = 0, max_tail_ms = 0;
};

// The targets of `profile`; kServer and kNone have none (nothing is checked). Pure.
ProfileTargets profile_targets(DeliveryProfile profile);

// What was measured on a final file (audio/file_loudness.h). Levels in dB (-inf: silence).
struct FileLoudness {
  double integrated_lufs = 0.0;  // EBU R128 integrated loudness
  double true_peak_dbtp = 0.0;   // 4x oversampled peak
  double rms_db = 0.0;           // RMS of every sample, dBFS
  double noise_floor_db = 0.0;   // RMS of the quietest 500 ms window, dBFS
  int lead_ms = 0;               // silence (below -60 dBFS) before the first sound
  int tail_ms = 0;               // silence after the last sound
};

// "" when `measured` is within every target of `profile`; otherwise what is outside and by how
// much, then every measurement ("integrated loudness -14.2 LUFS is outside -16 +-0.5 LU;
// measured: integrated -14.2 LUFS, true peak -1.3 dBTP, ..."). Pure.
std::string profile_violation(DeliveryProfile profile, const FileLoudness& measured);

}  // namespace polyvox
