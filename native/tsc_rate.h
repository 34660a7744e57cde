// tsc_rate.h: at one instant, what does a clock read and what does the TSC
// read? One bracketed sample: an ordered TSC read, clock_gettime, an ordered
// TSC read, the narrowest of `tries`, on the calling thread (the caller pins
// it). No N-API: napi/tsc_rate.cc is its glue, bench/ may link it.
#pragma once
#include <cstdint>

#include "cpuid.h"

namespace clocklab {

struct tsc_clock_sample {
  uint64_t tsc_before;  // ordered TSC read just before clock_gettime
  int64_t clock_ns;     // clock_gettime(clock id)
  uint64_t tsc_after;   // ordered TSC read just after
  uint32_t cpu;         // getcpu(2) after the narrowest try
  bool planted;         // the plant below scaled this sample's TSC values
  bool rdtscp;          // the ordered read was RDTSCP (else LFENCE;RDTSC)
};

// A planted rate error, for the self-test: on CPU `cpu` only (getcpu(2)
// after each try), TSC values t become base + (t - base) * (1 + ppb / 1e9).
// cpu < 0: no plant.
struct tsc_plant {
  int cpu;
  int64_t ppb;
  uint64_t base;
};

// The ordered read needs RDTSCP or, failing that, LFENCE (SSE2): the
// requirement the glue checks before the first sample.
constexpr requirement TSC_SAMPLE_REQUIRES{true, FEATURE_SSE2, "lfence"};

// Takes `tries` (>= 1) samples and writes the one with the smallest
// tsc_after - tsc_before. Returns 0, or -errno of clock_gettime/getcpu.
// The caller has checked TSC_SAMPLE_REQUIRES.
int sample_tsc_clock(int clock_id, uint32_t tries, const tsc_plant& plant, tsc_clock_sample* out);

// The plant's scaling alone (exposed for tests of the arithmetic).
uint64_t plant_scale(uint64_t tsc, int64_t ppb, uint64_t base);

}  // namespace clocklab
