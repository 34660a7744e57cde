// methods.h: what are the ways of reading time, and how is each read once?
//
// The native half of the method registry: names and how to read. Policy
// (contracts, what a method needs, which commands use it) lives in
// src/methods.ts, which finds each method here by name.
#pragma once
#include <cstdint>

#include "clocks.h"
#include "cpuid.h"
#include "tsc.h"

namespace clocklab {

enum method_kind : int {
  K_RDTSC,
  K_RDTSCP,
  K_LFENCE_RDTSC,
  K_MFENCE_RDTSC,
  K_RDPID,
  K_GETCPU,
  K_VDSO_CLOCK,  // clock_gettime(clock) through libc, i.e. the vDSO
  K_SYS_CLOCK,   // syscall(SYS_clock_gettime, clock)
  K_GETTIMEOFDAY,
  K_TIME,
  K_SKEWED_RDTSCP,  // internal: rdtscp minus a per-CPU offset, for the warp self-test
  K_PVCLOCK_VDSO,    // vCPU 0's pvclock record, as the vDSO reads it (pvclock.h)
  K_PVCLOCK_RDTSCP,  // the record of the CPU RDTSCP names (pvclock.h)
};

struct method {
  const char* name;
  method_kind kind;
  int clock_id;       // for K_VDSO_CLOCK and K_SYS_CLOCK, else -1
  uint32_t needs;     // cpu features (cpuid.h) the method executes
  const char* instr;  // the instruction named in "not available" errors
};

extern const method method_table[];
extern const int method_table_len;

// Reads the method once. Returns 0 or -errno. For TSC reads the value is in
// cycles; for clocks in nanoseconds (gettimeofday and time scaled to ns); for
// rdpid and getcpu the CPU number. The caller has checked `needs`.
int method_read(const method& m, uint64_t* value);

// The per-CPU offset skewed_rdtscp subtracts (indexed by the CPU number in
// TSC_AUX). Process-wide, so every worker thread sees it; set it before a
// run and back to 0 after. Returns 0 or -EINVAL for a CPU out of range.
int set_tsc_skew(int cpu, int64_t cycles);

}  // namespace clocklab
