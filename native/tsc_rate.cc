// tsc_rate.cc: at one instant, what does a clock read and what does the TSC
// read? (tsc_rate.h)
//
// The reads each side are ordered (Intel SDM Vol. 2B, RDTSC and RDTSCP
// entries): RDTSCP where CPUID offers it, else LFENCE;RDTSC, the choice of
// the kernel's rdtsc_ordered() (arch/x86/include/asm/msr.h). Never RDTSCP
// where CPUID hides it: a PVM guest under bhyve executes it anyway with a
// foreign TSC_AUX, and elsewhere it may fault. The before-read is followed
// by LFENCE so that clock_gettime's own reads cannot start ahead of it (the
// SDM's advice for "RDTSC to be executed prior to any subsequent
// instruction"); the after-read waits for clock_gettime by its own ordering.
#include "tsc_rate.h"

#include <cerrno>
#include <ctime>

#include "pin.h"
#include "tsc.h"

namespace clocklab {

namespace {

inline void lfence() {
#if CLOCKLAB_X86
  __asm__ __volatile__("lfence" : : : "memory");
#endif
}

inline uint64_t ordered_read(bool use_rdtscp) {
  if (use_rdtscp) {
    uint32_t aux;
    return rdtscp(&aux);
  }
  return lfence_rdtsc();
}

}  // namespace

uint64_t plant_scale(uint64_t tsc, int64_t ppb, uint64_t base) {
  // 128-bit: a delta of 2^40 cycles (minutes) times 10^9 ppb overflows 64.
  __int128 d = __int128(tsc) - __int128(base);
  __int128 scaled = d + d * ppb / 1000000000;
  return uint64_t(__int128(base) + scaled);
}

int sample_tsc_clock(int clock_id, uint32_t tries, const tsc_plant& plant, tsc_clock_sample* out) {
  const bool use_rdtscp = (cpu_features() & FEATURE_RDTSCP) != 0;
  bool have = false;
  tsc_clock_sample best{};
  for (uint32_t i = 0; i < tries || !have; i++) {
    timespec ts;
    uint64_t a = ordered_read(use_rdtscp);
    lfence();
    int rc = clock_gettime(clockid_t(clock_id), &ts);
    uint64_t b = ordered_read(use_rdtscp);
    if (rc != 0) return -errno;
    if (have && b - a >= best.tsc_after - best.tsc_before) continue;
    uint32_t cpu = 0, node = 0;
    int grc = get_cpu(&cpu, &node);
    if (grc != 0) return grc;
    best = {a, int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec, b, cpu, false, use_rdtscp};
    have = true;
  }
  if (plant.cpu >= 0 && best.cpu == uint32_t(plant.cpu)) {
    best.tsc_before = plant_scale(best.tsc_before, plant.ppb, plant.base);
    best.tsc_after = plant_scale(best.tsc_after, plant.ppb, plant.base);
    best.planted = true;
  }
  *out = best;
  return 0;
}

}  // namespace clocklab
