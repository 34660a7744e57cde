// methods.h: what are the ways of reading time, and how is each read once?
//
// The native half of the method registry: names, how to read, and what each
// read executes that a CPU may lack. Policy (contracts, what a method needs of
// the machine beyond the CPU, which commands use it) lives in src/methods.ts,
// which finds each method here by name.
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
  K_MFENCE_LFENCE_RDTSC,
  K_SKEWED_LFENCE_RDTSC,  // internal: the self-test's read where RDTSCP may not run
};

struct method {
  const char* name;
  method_kind kind;
  int clock_id;  // for K_VDSO_CLOCK and K_SYS_CLOCK, else -1
};

extern const method method_table[];
extern const int method_table_len;

// What a kind of read executes that a CPU may lack: the one table every caller
// checks (cpu_lacks(), cpuid.h) before the first read of a method, so no
// instruction runs on a CPU without it (that would be SIGILL). A switch, so
// the compiler flags a kind left out, and constexpr, so a hot read's check
// folds to one feature test.
constexpr requirement method_requires(method_kind k) {
  switch (k) {
    // RDTSC is in every x86-64 CPU.
    case K_RDTSC: return {true, 0, "rdtsc"};
    case K_RDTSCP:
    case K_SKEWED_RDTSCP:
    case K_PVCLOCK_RDTSCP: return {true, FEATURE_RDTSCP, "rdtscp"};
    case K_LFENCE_RDTSC: return {true, FEATURE_SSE2, "lfence"};
    case K_MFENCE_RDTSC: return {true, FEATURE_SSE2, "mfence"};
    case K_MFENCE_LFENCE_RDTSC: return {true, FEATURE_SSE2, "mfence"};
    case K_RDPID: return {true, FEATURE_RDPID, "rdpid"};
    // The vDSO's reader takes the TSC as rdtsc_ordered() does
    // (arch/x86/include/asm/tsc.h): RDTSCP where present, else LFENCE;RDTSC.
    case K_PVCLOCK_VDSO:
    case K_SKEWED_LFENCE_RDTSC: return {true, FEATURE_SSE2, "lfence"};
    // System calls and libc (the vDSO): nothing a CPU may lack.
    case K_GETCPU:
    case K_VDSO_CLOCK:
    case K_SYS_CLOCK:
    case K_GETTIMEOFDAY:
    case K_TIME: return {false, 0, nullptr};
  }
  return {false, 0, nullptr};
}
constexpr requirement method_requires(const method& m) { return method_requires(m.kind); }

// Reads the method once. Returns 0 or -errno. For TSC reads the value is in
// cycles; for clocks in nanoseconds (gettimeofday and time scaled to ns); for
// rdpid and getcpu the CPU number. The caller has checked method_requires().
int method_read(const method& m, uint64_t* value);

// The per-CPU offset the skewed reads subtract (indexed by the CPU number:
// TSC_AUX for skewed_rdtscp, getcpu(2) for skewed_lfence_rdtsc). Process-wide, so every worker thread sees it; set it before a
// run and back to 0 after. Returns 0 or -EINVAL for a CPU out of range.
int set_tsc_skew(int cpu, int64_t cycles);

}  // namespace clocklab
