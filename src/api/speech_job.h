// A POST /v1/audio/speech request as a Polyvox job: its input cut into sentences, one block each
// (so that the first sentence can be heard while the rest render), each spoken by the voice its
// script calls for: Arabic-script sentences by the Arabic voice, with the block's arabic flag so
// that they are diacritized.
#pragma once

#include "core/error.h"
#include "core/job.h"
#include "core/provider_directory.h"
#include "core/speech_mapping.h"
#include "core/speech_request.h"

namespace polyvox {

// The rate of response_format "pcm", as OpenAI sends it.
inline constexpr int kSpeechPcmRate = 24000;

// The job for `request`, spoken by `voices`, in `format`. Sentences beyond limits.max_blocks are
// joined so that the job has at most that many blocks; a sentence longer than
// limits.max_text_chars is cut (text/text_splitter.h). kNotFound (field "voice") when a voice
// the input needs cannot speak (check_speech_choice). Thread-safe.
Result<JobSpec> plan_speech_job(const SpeechRequest& request, const SpeechVoices& voices,
                                const ProviderDirectory& providers, OutputFormat format,
                                const JobLimits& limits);

}  // namespace polyvox
