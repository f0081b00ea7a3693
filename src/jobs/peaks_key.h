// Where the waveform peaks of a job's final file are kept in the BlobStore (computed by the API on
// first request, api/peaks_routes.cpp): beside the file, so that they live and go with it (the
// orphan sweep keeps them while the job points at that file).
#pragma once

#include <string>

namespace polyvox {

// "<result_key>.peaks.json".
inline std::string peaks_key(const std::string& result_key) { return result_key + ".peaks.json"; }

}  // namespace polyvox
