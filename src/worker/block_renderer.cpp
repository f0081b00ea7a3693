#include "worker/block_renderer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <span>
#include <string>

#include "audio/decoder.h"
#include "audio/resampler.h"
#include "audio/speech_segment.h"
#include "audio/time_stretch.h"
#include "core/utf8.h"
#include "providers/retry_policy.h"
#include "storage/digest.h"
#include "text/text_splitter.h"
#include "worker/word_timer.h"

namespace polyvox {
namespace {

struct Spoken {
  audio::SpeechSamples speech;  // decoded, concatenated parts, at the provider's rate
  // The provider's word marks over the whole text, in the speech's time; no source when the
  // provider gave none for some part.
  SpeechMarks marks;
  double stretch = 1.0;  // the tempo change still owed: the block's speed / the provider's
};

// One part's answer, decoded, and the provider's marks for it (from its answer or the cache).
struct SpokenPart {
  audio::SpeechSamples speech;  // a 16-bit answer as it came (audio::decode_speech)
  SpeechMarks marks;
};

// The cache entry that keeps the word marks of the answer cached under `key`: answers and marks
// are separate entries, so that entries written before timings existed still serve their audio.
// The entry is "<SHA-256 of the audio entry's bytes>\n<marks JSON>": marks outlive their audio
// (evicted first, or rewritten by an answer that came without marks, which vendors never say
// the same way twice), and are read only with the very audio they were made for.
std::string marks_key(const std::string& key) { return audio_cache_key("word-marks-v2", "", key); }

std::string marks_entry(const audio::EncodedAudio& audio, const SpeechMarks& marks) {
  return digest::sha256_hex(audio.bytes) + "\n" + marks.to_json();
}

// The marks of `entry` if it was made for the audio whose SHA-256 is `audio_digest`; nullopt
// otherwise.
std::optional<std::string_view> marks_for(std::string_view entry, std::string_view audio_digest) {
  const std::size_t newline = entry.find('\n');
  if (newline == std::string_view::npos || entry.substr(0, newline) != audio_digest) {
    return std::nullopt;
  }
  return entry.substr(newline + 1);
}

Error unavailable(std::string message) {
  return Error{ErrorKind::kUnavailable, std::move(message), ""};
}

// The bounds of a plausible answer for `text` spoken at `speed` (the pace the provider was
// asked for), in milliseconds of speech.
struct PlausibleSpeech {
  double min_ms;
  double max_ms;
};
PlausibleSpeech plausible_speech(const std::string& text, double speed,
                                 const BlockContext& context) {
  const AnswerCheck& check = context.options.answer;
  const auto letters = static_cast<double>(spoken_letters(text));
  return {letters * check.min_ms_per_letter / speed,
          letters * check.max_ms_per_letter / speed + check.max_extra_ms};
}

// Checks one decoded answer: not silent, and lasting what its text should at `speed`.
Status check_answer(const audio::SpeechSamples& speech, const std::string& text, double speed,
                    const BlockContext& context) {
  const auto bounds = audio::find_speech(speech, context.options.trim);
  if (bounds.silent) {
    return unavailable("returned silent audio");
  }
  const std::size_t letters = spoken_letters(text);
  const double ms =
      audio::samples_to_ms(static_cast<int64_t>(bounds.end - bounds.begin), speech.sample_rate());
  const auto [min_ms, max_ms] = plausible_speech(text, speed, context);
  if (ms < min_ms || ms > max_ms) {
    return unavailable("returned " + std::to_string(static_cast<long>(ms)) + " ms of speech for " +
                       std::to_string(letters) + " letters (expected " +
                       std::to_string(static_cast<long>(min_ms)) + ".." +
                       std::to_string(static_cast<long>(max_ms)) +
                       " ms): skipped or truncated audio");
  }
  return Status::success();
}

// How much decoding one answer for `text` may cost: no more audio than the answer check could
// accept plus room for the vendor's own leading and trailing silence, and a deadline far beyond
// what decoding a plausible answer takes.
audio::DecodeLimits decode_limits(const std::string& text, double speed,
                                  const BlockContext& context) {
  constexpr double kSilenceAllowanceMs = 10'000;
  constexpr auto kDecodeBudget = std::chrono::seconds(30);
  audio::DecodeLimits limits;
  limits.max_duration_ms =
      static_cast<int64_t>(plausible_speech(text, speed, context).max_ms + kSilenceAllowanceMs);
  limits.deadline = std::chrono::steady_clock::now() + kDecodeBudget;
  return limits;
}

// One part: from the cache, or from the provider (then cached). Decoded and checked.
Result<SpokenPart> speak_part(Provider& provider, const std::string& voice_id,
                              const std::string& text, const BlockSpec& block,
                              const BlockContext& context, ProviderUsage& usage,
                              const SynthesisRequest& base) {
  const std::string identity = provider.cache_identity();
  const bool cacheable = context.cache && block.cache && !identity.empty();
  // A provider that hears the neighbouring blocks answers differently when they change.
  std::string neighbours;
  if (provider.uses_neighbour_text() && (!base.previous_text.empty() || !base.next_text.empty())) {
    neighbours =
        std::to_string(base.previous_text.size()) + ":" + base.previous_text + base.next_text;
  }
  const std::string key = cacheable ? audio_cache_key(identity, voice_id, text, neighbours,
                                                      base.speed, base.instructions)
                                    : "";
  if (cacheable) {
    if (auto hit = context.cache->get(key)) {
      // The marks kept for this answer, if any, checked against its bytes before decoding
      // moves them (a 16-bit answer's): the digest only where there are marks to check.
      std::optional<std::string> marks_json;
      if (base.word_marks) {
        if (auto entry = context.cache->get(marks_key(key))) {
          if (auto marks = marks_for(entry->bytes, digest::sha256_hex(hit->bytes))) {
            marks_json = std::string(*marks);
          }
        }
      }
      CpuSlots::Lease lease = acquire_slot(context.audio_slots);
      auto speech = audio::decode_speech(*hit, decode_limits(text, base.speed, context));
      if (speech && check_answer(*speech, text, base.speed, context)) {
        ++usage.cache_hits;
        SpokenPart part{std::move(speech.value()), {}};
        if (marks_json) part.marks = SpeechMarks::from_json(*marks_json, text.size());
        return part;
      }
    }
  }
  SynthesisRequest request = base;
  request.text = text;
  request.voice_id = voice_id;
  bool not_sent = false;
  request.not_sent = &not_sent;
  auto answer = provider.synthesize(request);
  // A call that reached the vendor is billed whether it succeeded or not.
  if (!not_sent) {
    ++usage.calls;
    usage.characters += utf8_length(text);
  }
  if (!answer) return answer.take_error();
  CpuSlots::Lease lease = acquire_slot(context.audio_slots);
  SpeechMarks marks = std::move(answer->marks);
  auto speech = audio::decode_speech(*answer, decode_limits(text, base.speed, context));
  if (!speech) {
    // Garbage or truncated bytes are the vendor's transient fault: worth another attempt.
    return unavailable("returned " + speech.error().message);
  }
  if (Status s = check_answer(*speech, text, base.speed, context); !s) return s.error();
  lease.reset();  // the cache writes to disk: no CPU slot needed
  if (cacheable) {
    // A 16-bit answer has moved into `speech`.
    const audio::EncodedAudio& stored = speech->pcm16() ? *speech->pcm16() : *answer;
    context.cache->put(key, stored);
    if (!marks.source.empty()) {
      context.cache->put(marks_key(key), audio::EncodedAudio{marks_entry(stored, marks)});
    }
  }
  return SpokenPart{std::move(speech.value()), std::move(marks)};
}

// The whole text with one provider and voice: split to the provider's request limit, parts
// spoken concurrently, joined in order. `usage` (of this provider) grows by what the parts cost,
// whether or not they succeeded.
Result<Spoken> speak(Provider& provider, const std::string& voice_id, const std::string& text,
                     const BlockSpec& block, const BlockContext& context, ProviderUsage& usage) {
  Spoken spoken;
  const std::size_t limit = provider.max_request_chars();
  std::vector<std::string> parts =
      limit > 0 ? split_text(text, limit) : std::vector<std::string>{text};
  SynthesisRequest base;
  base.previous_text = context.previous_text;
  base.next_text = context.next_text;
  base.cancel = context.cancel;
  base.word_marks = context.options.word_timings;
  // The provider makes what it can of the block's speed; the time stretch the rest.
  base.speed = provider.native_speed().clamp(block.speed);
  spoken.stretch = block.speed / base.speed;
  if (provider.takes_instructions()) base.instructions = block.instructions;

  std::vector<ProviderUsage> usages(parts.size());
  std::vector<std::future<Result<SpokenPart>>> futures;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    futures.push_back(std::async(std::launch::async, [&, i] {
      return speak_part(provider, voice_id, parts[i], block, context, usages[i], base);
    }));
  }
  std::vector<Result<SpokenPart>> results;
  results.push_back(speak_part(provider, voice_id, parts[0], block, context, usages[0], base));
  for (auto& f : futures) results.push_back(f.get());

  for (const auto& u : usages) {
    usage.calls += u.calls;
    usage.characters += u.characters;
    usage.cache_hits += u.cache_hits;
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) {
      Error e = results[i].error();
      if (parts.size() > 1) {
        e.message = "part " + std::to_string(i + 1) + " of " + std::to_string(parts.size()) + ": " +
                    e.message;
      }
      return e;
    }
  }
  if (results.size() == 1) {
    spoken.speech = std::move(results[0]->speech);
    spoken.marks = std::move(results[0]->marks);
    return spoken;
  }
  // Parts are joined as float PCM at the first part's rate.
  audio::PcmBuffer joined;
  std::size_t text_offset = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    SpokenPart& spoken_part = results[i].value();
    audio::PcmBuffer part = std::move(spoken_part.speech).take_pcm();
    // The part's marks follow the audio and the text before it (the parts concatenated give
    // back the text exactly: text/text_splitter.h).
    SpeechMarks& marks = spoken_part.marks;
    if (i == 0) {
      joined = std::move(part);
      spoken.marks = std::move(marks);
      text_offset = parts[0].size();
      continue;
    }
    if (part.sample_rate != joined.sample_rate) {
      auto converted = audio::resample(std::move(part), joined.sample_rate);
      if (!converted) return converted.take_error();
      part = std::move(converted.value());
    }
    if (marks.source.empty() || marks.source != spoken.marks.source) {
      spoken.marks = {};
    } else {
      move_marks(marks, joined.duration_ms(), 1.0, text_offset);
      spoken.marks.marks.insert(spoken.marks.marks.end(), marks.marks.begin(), marks.marks.end());
    }
    text_offset += parts[i].size();
    joined.samples.insert(joined.samples.end(), part.samples.begin(), part.samples.end());
  }
  spoken.speech = audio::SpeechSamples(std::move(joined));
  return spoken;
}

// Ratios of speeds this close to 1 are rounding, not a change of pace worth a filter pass.
constexpr double kStretchTolerance = 1e-6;

// The pause after the block's speech: its own, except the last block's under a profile with
// room tone at the end, which is raised to the profile's tail and kept half a second short of
// its upper bound.
int pause_after(const BlockSpec& block, const BlockContext& context, const ProfileTargets& t) {
  if (!context.last || t.tail_ms == 0) return block.wait_after_ms;
  return std::clamp(block.wait_after_ms, t.tail_ms, std::max(t.tail_ms, t.max_tail_ms - 500));
}

// Lossy codecs move peaks by a fraction of a dB: a profile's blocks keep this much more
// headroom below its true-peak ceiling, so that the final file is still under it.
constexpr double kCodecPeakMarginDb = 1.0;
// How far below a profile's level limiting may leave a block.
constexpr double kProfileLevelToleranceDb = 0.1;
// Integrated loudness is gated over 400 ms windows: in the file, the windows that straddle a
// block's edges hold part of the pauses around it and lower its loudness. A block is therefore
// measured with its own pause after it and this much silence before it (unless it is the first:
// nothing precedes it), so that its level is what it will be in the file.
constexpr int kGatingWindowMs = 400;

// Brings trimmed speech to the job's loudness: the server's target without a profile, the
// profile's integrated loudness or RMS with one (the RMS counting the `silent_ms` of silence
// the block's segment adds), nothing for kNone.
Result<audio::LoudnessReport> bring_to_profile(audio::PcmBuffer& pcm, const BlockContext& context,
                                               const ProfileTargets& t, int silent_ms) {
  if (context.profile == DeliveryProfile::kServer) {
    return audio::normalize_loudness(pcm, context.options.loudness);
  }
  if (context.profile == DeliveryProfile::kNone || !t.max_true_peak_dbtp) {
    return audio::LoudnessReport{};
  }
  const double ceiling = *t.max_true_peak_dbtp - kCodecPeakMarginDb;
  if (t.rms_db) {
    return audio::normalize_rms(
        pcm, audio::RmsTarget{*t.rms_db, audio::ms_to_samples(silent_ms, pcm.sample_rate), ceiling,
                              kProfileLevelToleranceDb});
  }
  const auto before = static_cast<std::size_t>(
      audio::ms_to_samples(context.first ? 0 : kGatingWindowMs, pcm.sample_rate));
  const auto after = static_cast<std::size_t>(audio::ms_to_samples(silent_ms, pcm.sample_rate));
  return audio::normalize_loudness_padded(
      pcm, before, after,
      audio::LoudnessTarget{t.integrated_lufs.value_or(context.options.loudness.integrated_lufs),
                            ceiling, kProfileLevelToleranceDb});
}

// A codec's change of level below this is left alone.
constexpr double kCodecLevelToleranceDb = 0.05;

// Adds the energy of `x` (its sum of squares) to `energy`.
void add_energy(std::span<const float> x, double& energy) {
  for (float s : x) energy += static_cast<double>(s) * s;
}

// An energy in dB.
double energy_db(double energy) {
  return energy > 0 ? 10.0 * std::log10(energy) : -std::numeric_limits<double>::infinity();
}

// Samples [bounds.begin, bounds.end) of `speech` at `rate`: what audio::resample makes of them,
// resampled a chunk at a time from the speech as it is held (a local voice's 16-bit PCM is not
// turned into a float copy first).
Result<audio::PcmBuffer> trimmed_at_rate(const audio::SpeechSamples& speech,
                                         const audio::SpeechBounds& bounds, int rate) {
  const std::size_t length = bounds.end - bounds.begin;
  auto resampler = audio::Resampler::create(speech.sample_rate(), rate, length);
  if (!resampler) return resampler.take_error();
  audio::PcmBuffer out;
  out.sample_rate = rate;
  out.samples.reserve(audio::Resampler::output_size(length, speech.sample_rate(), rate));
  const audio::Resampler::Sink append = [&out](std::span<const float> chunk) {
    out.samples.insert(out.samples.end(), chunk.begin(), chunk.end());
    return Status::success();
  };
  Status added = Status::success();
  speech.stream(bounds.begin, bounds.end, [&](std::span<const float> chunk) {
    if (added) added = resampler->add(chunk, append);
  });
  if (!added) return added.error();
  if (Status s = resampler->finish(append); !s) return s.error();
  return out;
}

// The speech pipeline after the provider: time stretch, trim, word timings, loudness, resample,
// encode. `spoken_text`: what the provider was sent (block.text, diacritized when Arabic).
// Without a delivery profile (the server's loudness), loudness, resampling and encoding stream
// the speech (audio/speech_segment.h): it is held whole only as it came. A profile's level is
// made on the trimmed speech held whole as float PCM.
Result<RenderedBlock> finish(Spoken spoken, const std::string& spoken_text, const BlockSpec& block,
                             const BlockContext& context) {
  audio::SpeechSamples speech = std::move(spoken.speech);
  if (std::fabs(spoken.stretch - 1.0) > kStretchTolerance) {
    auto stretched = audio::time_stretch(std::move(speech).take_pcm(), spoken.stretch);
    if (!stretched) return stretched.take_error();
    speech = audio::SpeechSamples(std::move(stretched.value()));
    move_marks(spoken.marks, 0.0, spoken.stretch);
  }
  const audio::SpeechBounds bounds = audio::find_speech(speech, context.options.trim);
  const int source_rate = speech.sample_rate();
  RenderedBlock rendered;
  if (context.options.word_timings) {
    // Times from here on are of the trimmed speech, which starts the block in the final file;
    // resampling keeps them.
    const double speech_ms =
        audio::samples_to_ms(static_cast<int64_t>(bounds.end - bounds.begin), source_rate);
    if (!spoken.marks.source.empty()) {
      move_marks(spoken.marks,
                 -audio::samples_to_ms(static_cast<int64_t>(bounds.begin), source_rate), 1.0);
      rendered.timings = timings_from_marks(spoken.marks, spoken_text, block.text, speech_ms);
    } else {
      // Only for providers that give no marks: the trimmed speech as float PCM for this call.
      std::vector<float> trimmed(bounds.end - bounds.begin);
      speech.read(bounds.begin, trimmed);
      rendered.timings = timings_from_audio(trimmed, source_rate, spoken_text, block.text);
    }
  }
  const ProfileTargets targets = profile_targets(context.profile);
  const int lead_ms = context.first ? targets.lead_ms : 0;
  if (context.profile == DeliveryProfile::kServer && lead_ms == 0) {
    const int64_t pause = audio::ms_to_samples(pause_after(block, context, targets),
                                               context.options.segment.sample_rate);
    auto encoded = audio::encode_speech_segment(speech, bounds, pause, context.last,
                                                context.options.loudness, context.options.segment);
    if (!encoded) return encoded.take_error();
    rendered.segment = std::move(encoded->segment);
    rendered.loudness = encoded->loudness;
    return rendered;
  }
  const int rate = context.options.segment.sample_rate;
  audio::PcmBuffer pcm;
  if (context.profile != DeliveryProfile::kServer) {
    // A profile's level is measured on the final file: the resampler's filter takes energy
    // away from a source's top band (half a dB of espeak-ng's 22.05 kHz speech), so the level
    // is made at the output rate.
    auto at_rate = trimmed_at_rate(speech, bounds, rate);
    if (!at_rate) return at_rate.take_error();
    pcm = std::move(at_rate.value());
    speech = audio::SpeechSamples();  // not needed any more
  } else {
    pcm = std::move(speech).take_pcm();
    pcm.samples.erase(pcm.samples.begin() + static_cast<std::ptrdiff_t>(bounds.end),
                      pcm.samples.end());
    pcm.samples.erase(pcm.samples.begin(),
                      pcm.samples.begin() + static_cast<std::ptrdiff_t>(bounds.begin));
  }
  const int pause_ms = pause_after(block, context, targets);
  auto loudness = bring_to_profile(pcm, context, targets, lead_ms + pause_ms);
  if (!loudness) return loudness.take_error();
  rendered.loudness = *loudness;
  pcm.samples.insert(pcm.samples.begin(),
                     static_cast<std::size_t>(audio::ms_to_samples(lead_ms, pcm.sample_rate)),
                     0.0f);
  // The room tone before the first block's speech moves its words by as much.
  for (WordTiming& word : rendered.timings.words) {
    word.start_ms += lead_ms;
    word.end_ms += lead_ms;
  }
  auto resampled = audio::resample(std::move(pcm), rate);
  if (!resampled) return resampled.take_error();
  const auto quiet_tail =
      static_cast<int64_t>(static_cast<double>(bounds.quiet_tail) * rate / source_rate);
  const int64_t pause = audio::ms_to_samples(pause_ms, rate);
  auto segment = audio::encode_segment(resampled->samples, quiet_tail, pause, context.last,
                                       context.options.segment);
  if (!segment) return segment.take_error();
  if (context.profile != DeliveryProfile::kServer && context.profile != DeliveryProfile::kNone &&
      has_mp3_segments(context.options.segment.format)) {
    // An MP3 segment is the file's audio as it is: when the codec took level away (LAME drops
    // about half a dB of espeak-ng's speech), the speech is given it back and encoded again.
    // The segment's energy is summed as it is decoded, a chunk at a time.
    double decoded_energy = 0.0, speech_energy = 0.0;
    Status decoded = audio::decode_audio_chunks(
        audio::EncodedAudio{segment->bytes}, {},
        [&decoded_energy](int, std::span<const float> samples, std::string&) {
          add_energy(samples, decoded_energy);
          return true;
        });
    if (!decoded) return decoded.error();
    add_energy(resampled->samples, speech_energy);
    const double lost_db = energy_db(decoded_energy) - energy_db(speech_energy);
    if (std::isfinite(lost_db) && std::fabs(lost_db) > kCodecLevelToleranceDb) {
      const auto factor = static_cast<float>(std::pow(10.0, -lost_db / 20.0));
      for (float& s : resampled->samples) s *= factor;
      segment = audio::encode_segment(resampled->samples, quiet_tail, pause, context.last,
                                      context.options.segment);
      if (!segment) return segment.take_error();
    }
  }
  rendered.segment = std::move(segment.value());
  return rendered;
}

// The block with its voice, then its fallbacks as the failures allow; `usage` grows by what each
// provider asked cost (one entry per provider tried, failures included).
Result<RenderedBlock> render_with_fallbacks(const BlockSpec& block, const BlockContext& context,
                                            std::vector<ProviderUsage>& usage) {
  std::string text = block.text;
  if (block.arabic) {
    auto diacritized = context.diacritizer->diacritize(block.text);
    if (!diacritized) return diacritized.take_error();
    text = std::move(diacritized.value());
  }

  // The block's own fallback voices, else those its provider's configuration names.
  std::vector<VoiceChoice> candidates{{block.provider, block.voice}};
  const std::vector<VoiceChoice> fallback =
      block.fallback.empty() ? context.providers->settings_of(block.provider).fallback
                             : block.fallback;
  candidates.insert(candidates.end(), fallback.begin(), fallback.end());
  std::string failures;
  std::optional<Error> first_error;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    const VoiceChoice& choice = candidates[c];
    const bool has_next = c + 1 < candidates.size();
    Provider* provider = context.providers->find(choice.provider);
    ProviderUsage cost;
    cost.provider = choice.provider;
    Result<Spoken> spoken = Error{ErrorKind::kSynthesisFailed, "is not available", ""};
    if (provider) {
      cost.provider = provider->name();
      if (auto voice_id = provider->resolve_voice(choice.voice)) {
        spoken = speak(*provider, *voice_id, text, block, context, cost);
        if (spoken) {
          usage.push_back(cost);
          CpuSlots::Lease lease = acquire_slot(context.audio_slots);
          auto rendered = finish(std::move(spoken.value()), text, block, context);
          lease.reset();
          if (!rendered) return rendered.take_error();
          rendered->provider = provider->name();
          rendered->voice_id = *voice_id;
          if (block.arabic) rendered->spoken_text = text;
          return rendered;
        }
      } else {
        spoken = Error{ErrorKind::kSynthesisFailed, "has no voice '" + choice.voice + "'", ""};
      }
    }
    const Error& error = spoken.error();
    cost.failures = 1;
    usage.push_back(cost);
    if (!first_error) first_error = error;
    failures += (failures.empty() ? "" : "; then ") + std::string("provider '") + choice.provider +
                "': " + error.message;
    // A transient failure is retried later (the provider may recover) unless this is the last
    // attempt; a final one moves on to the next fallback at once. The block's error is then
    // this one (its kind, its Retry-After), though a candidate before it failed for good:
    // else the worker would take the earlier, permanent error and never retry.
    if (RetryPolicy::retryable(error) && !context.final_attempt) {
      Error e = error;
      e.message = failures;
      return e;
    }
    if (!has_next) break;
  }
  Error e = *first_error;
  e.message = failures;
  return e;
}

}  // namespace

std::size_t spoken_letters(std::string_view text) {
  std::size_t letters = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      letters += std::isalnum(c) ? 1 : 0;
      continue;
    }
    if ((c & 0xC0) != 0xC0) continue;  // continuation byte
    // Arabic diacritics U+064B..U+0652 (D9 8B..D9 92) and U+0670 take no time of their own.
    if (c == 0xD9 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if ((next >= 0x8B && next <= 0x92) || next == 0xB0) continue;
    }
    ++letters;
  }
  return letters;
}

Result<RenderedBlock> render_block(const BlockSpec& block, const BlockContext& context,
                                   std::vector<ProviderUsage>* spent) {
  std::vector<ProviderUsage> usage;
  Result<RenderedBlock> rendered = render_with_fallbacks(block, context, usage);
  if (spent) *spent = usage;
  if (rendered) rendered->usage = std::move(usage);
  return rendered;
}

}  // namespace polyvox
