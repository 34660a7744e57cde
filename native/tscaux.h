// tscaux.h: do RDTSCP and RDPID execute here, whatever CPUID says, and what
// TSC_AUX do they return on each CPU?
//
// Linux writes IA32_TSC_AUX = (node << 12) | cpu on every CPU, and only when
// it sees RDTSCP or RDPID (setup_getcpu(), arch/x86/kernel/cpu/common.c;
// vdso_encode_cpunode(), arch/x86/include/asm/segment.h). RDTSCP returns the
// MSR in ECX and RDPID in its register (Intel SDM Vol. 2B, RDTSCP and RDPID).
// A hypervisor may leave the instructions executable while CPUID hides them;
// TSC_AUX then holds whatever a lower layer wrote.
//
// Plain C++, no N-API, no policy: it reports what the instruction returned
// and where the thread was; whether that names the CPU is decided in
// src/probes/tsc-aux.ts.
#pragma once
#include <cstdint>

namespace clocklab {

enum tscaux_instruction : int { TSCAUX_RDTSCP = 0, TSCAUX_RDPID = 1 };

struct tscaux_read {
  int32_t cpu;         // the CPU the child pinned itself to
  int32_t pin_errno;   // 0, or why pinning failed (then the read ran wherever it was)
  int32_t cpu_before;  // getcpu(2) just before the read, -1 if it failed
  int32_t cpu_after;   // getcpu(2) just after
  int32_t node_after;
  uint32_t aux;        // TSC_AUX as the instruction returned it
  uint64_t tsc;        // RDTSCP's TSC; 0 for RDPID
};

// rounds * ncpus reads at most (a bound on the shared buffer).
constexpr int TSCAUX_MAX_READS = 1 << 16;

// Executes `instr` in a forked child, never in the calling process (CPUID may
// hide it: a fault must kill only the child): for each round, on each CPU of
// `cpus` in turn, pin, getcpu, execute, getcpu. The reads land in memory
// shared with the child, so those made before a fault survive it.
//
// Returns 0 with *done the reads completed (up to rounds * ncpus) and
// *signal 0 when the child exited, or the signal that killed it (SIGILL when
// the instruction is not there; reads[*done] was the one in progress).
// -EINVAL for bad arguments, -ENOSYS on a build for another architecture,
// -errno when the child could not be made.
int tscaux_probe(tscaux_instruction instr, const int* cpus, int ncpus, int rounds, tscaux_read* reads, int* done,
                 int* signal);

}  // namespace clocklab
