#include "api/speech_job.h"

#include "core/letters.h"
#include "core/utf8.h"
#include "text/script.h"
#include "text/text_splitter.h"

namespace polyvox {

Result<JobSpec> plan_speech_job(const SpeechRequest& request, const SpeechVoices& voices,
                                const ProviderDirectory& providers, OutputFormat format,
                                const JobLimits& limits) {
  std::vector<std::string> parts;
  for (std::string& sentence : split_sentences(request.input)) {
    for (std::string& part :
         split_text(sentence, std::max<std::size_t>(1, limits.max_text_chars))) {
      parts.push_back(std::move(part));
    }
  }
  // A sentence with nothing to speak ("..." between two others) joins its neighbour: alone it
  // would be a block of silence, which a provider answers with no audio.
  std::vector<std::string> speakable;
  std::string pending;  // unspeakable parts before the first speakable one
  for (std::string& part : parts) {
    if (has_letter_or_digit(part)) {
      speakable.push_back(pending.empty() ? std::move(part) : pending + " " + part);
      pending.clear();
    } else if (!speakable.empty()) {
      speakable.back() += " " + part;
    } else {
      pending += (pending.empty() ? "" : " ") + part;
    }
  }
  parts = std::move(speakable);
  if (parts.empty()) parts.push_back(request.input);  // parse_speech_request: never blank
  const std::size_t max_blocks = std::max<std::size_t>(1, limits.max_blocks);
  if (parts.size() > max_blocks) {
    // Consecutive sentences joined, as evenly as the limit allows.
    const std::size_t per_block = (parts.size() + max_blocks - 1) / max_blocks;
    std::vector<std::string> joined;
    for (std::size_t i = 0; i < parts.size(); i += per_block) {
      std::string text = parts[i];
      for (std::size_t k = i + 1; k < std::min(parts.size(), i + per_block); ++k) {
        text += " " + parts[k];
      }
      // A server whose MAX_BLOCKS x MAX_TEXT_CHARS is below OpenAI's 4096 characters: refused
      // now, rather than a block over its limit failing the job later.
      if (utf8_length(text) > std::max<std::size_t>(1, limits.max_text_chars)) {
        return invalid_input("input", "longer than this server takes (" +
                                          std::to_string(max_blocks) + " blocks of at most " +
                                          std::to_string(limits.max_text_chars) + " characters)");
      }
      joined.push_back(std::move(text));
    }
    parts = std::move(joined);
  }

  JobSpec job;
  job.project_id = "v1/audio/speech";
  job.output_format = format;
  // OpenAI's pcm is raw 24 kHz 16-bit mono little-endian; the other formats keep the job's rate.
  if (format == OutputFormat::kPcm) job.sample_rate = kSpeechPcmRate;
  bool other_checked = false, arabic_checked = false;
  for (std::string& text : parts) {
    BlockSpec block;
    block.arabic = is_mostly_arabic(text);
    const VoiceChoice& choice = block.arabic ? voices.arabic : voices.other;
    bool& checked = block.arabic ? arabic_checked : other_checked;
    if (!checked) {
      if (Status s = check_speech_choice(choice, providers); !s) return s.error();
      checked = true;
    }
    block.provider = choice.provider;
    block.voice = choice.voice;
    block.text = std::move(text);
    block.speed = request.speed;  // the parser checked 0.25..4.0, the blocks' own bounds
    block.instructions = request.instructions;  // the same bound as a block's
    job.blocks.push_back(std::move(block));
  }
  return job;
}

}  // namespace polyvox
