// What the assembly adds to a job's final file beside its audio, and what it checks of it:
// chapters (core/chapters.h) from the blocks' titles and places, the cover of an m4a/m4b file
// from the owner's uploaded covers (core/cover_ref.h), and, for a job with a delivery profile,
// the file's loudness measured and held against the profile (core/delivery_profile.h).
#pragma once

#include <filesystem>
#include <vector>

#include "audio/audio_encoder.h"
#include "core/chapters.h"
#include "core/error.h"
#include "core/manifest.h"
#include "jobs/job_record.h"
#include "storage/blob_store.h"

namespace polyvox {

// The chapters of `job` (read with its blocks) placed as `manifest` places its blocks. Pure.
std::vector<Chapter> job_chapters(const JobRecord& job, const Manifest& manifest);

// The cover of `job` when its format carries one and it names one; an empty CoverArt otherwise.
// Fails (kInvalidInput naming cover_url) when the owner has no such cover, or with the store's
// error. Thread-safe.
Result<audio::CoverArt> job_cover(const JobRecord& job, BlobStore& blobs);

// Decodes the final file at `path` (a file of `format` at `sample_rate`) and measures it
// (audio/file_loudness.h) as it is decoded: neither the file nor its samples are held whole (a
// final file of hours is measured in a few hundred kilobytes). Fails with the decoder's or the
// meter's error. Thread-safe.
Result<FileLoudness> measure_final_file(const std::filesystem::path& path, OutputFormat format,
                                        int sample_rate);

}  // namespace polyvox
