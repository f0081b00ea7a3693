// The one mapping from error kinds to CLI exit codes (and, later, HTTP statuses).
#pragma once

#include "core/error.h"

namespace polyvox {

// CLI exit codes: 0 done; 2 invalid input; 3 synthesis failed; 1 anything else.
inline int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidInput:
    case ErrorKind::kUnknownProvider:
    case ErrorKind::kUnknownVoice:
    case ErrorKind::kNotFound:
    case ErrorKind::kUnauthenticated:
    case ErrorKind::kForbidden:
    case ErrorKind::kConflict:
    case ErrorKind::kPayloadTooLarge:
      return 2;
    case ErrorKind::kRateLimited:
    case ErrorKind::kQuotaExceeded:
    case ErrorKind::kSynthesisFailed:
    case ErrorKind::kUnavailable:
      return 3;
    case ErrorKind::kIo:
    case ErrorKind::kInternal:
      return 1;
  }
  return 1;
}

}  // namespace polyvox
