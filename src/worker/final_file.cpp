#include "worker/final_file.h"

#include <optional>
#include <span>
#include <string>

#include "audio/decoder.h"
#include "audio/file_loudness.h"
#include "core/cover_ref.h"

namespace polyvox {

std::vector<Chapter> job_chapters(const JobRecord& job, const Manifest& manifest) {
  std::vector<std::string> titles;
  std::vector<int64_t> offsets;
  for (std::size_t i = 0; i < job.blocks.size() && i < manifest.blocks.size(); ++i) {
    titles.push_back(job.blocks[i].spec.chapter);
    offsets.push_back(manifest.blocks[i].offset_samples);
  }
  return place_chapters(titles, offsets, manifest.total_samples);
}

Result<audio::CoverArt> job_cover(const JobRecord& job, BlobStore& blobs) {
  if (job.cover_url.empty() || !is_mp4(job.output_format)) return audio::CoverArt{};
  auto cover = parse_cover_path(job.cover_url, "cover_url");
  if (!cover) return cover.take_error();
  auto bytes = blobs.get(cover_blob_key(job.owner, *cover));
  if (!bytes) {
    if (bytes.error().kind != ErrorKind::kNotFound) return bytes.take_error();
    return invalid_input(
        "cover_url",
        "cover_url " + job.cover_url + " names no cover the job's owner uploaded (POST /covers)");
  }
  const std::span<const unsigned char> image(reinterpret_cast<const unsigned char*>(bytes->data()),
                                             bytes->size());
  const auto seen = inspect_cover(image);
  if (!seen)
    return invalid_input("cover_url", "cover_url " + job.cover_url + " names an unreadable image");
  return audio::CoverArt{std::move(bytes.value()), seen->type == CoverType::kPng, seen->width,
                         seen->height};
}

Result<FileLoudness> measure_final_file(const std::filesystem::path& path, OutputFormat format,
                                        int sample_rate) {
  // The meter starts with the first chunk, at the decoder's rate (an Opus file decodes at 48 kHz).
  std::optional<audio::FileLoudnessMeter> meter;
  Status metered = Status::success();
  const audio::SampleChunkSink measure = [&](int rate, std::span<const float> samples,
                                             std::string& reason) {
    if (!meter) {
      auto created = audio::FileLoudnessMeter::create(rate);
      if (!created) {
        metered = created.error();
        reason = metered.error().message;
        return false;
      }
      meter.emplace(std::move(created.value()));
    }
    metered = meter->add(samples);
    if (!metered) reason = metered.error().message;
    return metered.ok();
  };
  const auto encoding = format == OutputFormat::kPcm ? audio::AudioEncoding::kPcmS16le
                                                     : audio::AudioEncoding::kContainer;
  Status decoded = audio::decode_audio_file(path, encoding, sample_rate, {}, measure);
  if (!metered) return metered.error();
  if (!decoded) return decoded.error();
  if (!meter) return Error{ErrorKind::kSynthesisFailed, "undecodable audio: no samples", ""};
  return meter->finish();
}

}  // namespace polyvox
