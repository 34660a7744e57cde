// loops.h: what does one read of a method cost, timed over N reads in a loop
// that runs entirely in native code?
#pragma once
#include <cstdint>

#include "methods.h"

namespace clocklab {

struct loop_result {
  int64_t elapsed_ns;  // CLOCK_MONOTONIC around the loop, as timing_test does
  uint64_t tsc_delta;  // LFENCE;RDTSC around the loop (0 where there is no TSC)
};

// Runs `loops` reads of the method. Returns 0 or -errno (from a first read
// made before timing, so a clock the kernel lacks fails before the loop).
int timed_loop(const method& m, uint64_t loops, loop_result* out);

}  // namespace clocklab
