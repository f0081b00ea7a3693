#include "worker/final_file.h"

#include <fstream>
#include <iterator>

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
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorKind::kIo, "cannot read " + path.string(), ""};
  audio::EncodedAudio file{std::string(std::istreambuf_iterator<char>(in), {}),
                           audio::AudioEncoding::kContainer, 0};
  if (format == OutputFormat::kPcm) {
    file.encoding = audio::AudioEncoding::kPcmS16le;
    file.sample_rate = sample_rate;
  }
  auto pcm = audio::decode_audio(file);
  if (!pcm) return pcm.take_error();
  return audio::measure_file_loudness(pcm->samples, pcm->sample_rate);
}

}  // namespace polyvox
