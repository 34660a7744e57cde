// offsets.h: by how much do two CPUs' counters disagree, bracketed by a
// ping-pong over one cache line?
//
// Plain C++, no N-API. Runs on a warp state (warp.h: the words from
// W_PING_SEQ to W_OFF_SAMPLES) under the two-thread harness (harness.h).
#pragma once
#include <cstdint>

#include "methods.h"
#include "warp.h"

namespace clocklab {

// The offset estimate between the pinging slot and the answering slot:
// `samples` round trips over the line at W_PING_SEQ, or until `budget_ns`
// passes; the narrowest bracket lands in W_OFF_LO..W_OFF_SAMPLES. Returns 0
// or -errno.
int offset_ping(int64_t* state, const method& m, bool pinger, int64_t samples, int64_t budget_ns);

}  // namespace clocklab
