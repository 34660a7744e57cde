// tsc.h: how do we read the time stamp counter, with and without ordering?
//
// Plain inline functions, no N-API, so the addon, the warp kernel and the
// fidelity driver in bench/ all compile the very same instructions.
//
// Ordering (Intel SDM Vol. 2B, RDTSC and RDTSCP entries; AMD APM Vol. 3):
// - RDTSC is not serializing: it may execute before earlier loads complete.
// - LFENCE;RDTSC: the read waits until all earlier instructions have completed
//   locally (on AMD, LFENCE is dispatch-serializing when DE_CFG[1] is set, which
//   Linux sets: arch/x86/kernel/cpu/amd.c, init_amd()).
// - MFENCE;RDTSC: MFENCE orders earlier loads and stores; Linux no longer uses
//   it for this (X86_FEATURE_MFENCE_RDTSC was removed), kept here to measure it.
// - MFENCE;LFENCE;RDTSC: after earlier loads and stores are globally visible.
// - RDTSCP waits until all previous instructions have executed and previous
//   loads are globally visible; it also returns IA32_TSC_AUX, which Linux sets
//   to (node << 12) | cpu (arch/x86/kernel/cpu/common.c, setup_getcpu()).
#pragma once
#include <cstdint>

// -DCLOCKLAB_X86=0 builds the non-x86 paths on an x86 host (a compile check).
#ifndef CLOCKLAB_X86
#if defined(__x86_64__) || defined(__i386__)
#define CLOCKLAB_X86 1
#else
#define CLOCKLAB_X86 0
#endif
#endif

namespace clocklab {

#if CLOCKLAB_X86
static inline uint64_t rdtsc() {
  uint32_t lo, hi;
  __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t(hi) << 32) | lo;
}

static inline uint64_t rdtscp(uint32_t* aux) {
  uint32_t lo, hi, c;
  __asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
  *aux = c;
  return (uint64_t(hi) << 32) | lo;
}

// The "memory" clobbers keep the compiler from moving loads and stores across
// the fence, which is the point of the fence.
static inline uint64_t lfence_rdtsc() {
  uint32_t lo, hi;
  __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  return (uint64_t(hi) << 32) | lo;
}

static inline uint64_t mfence_rdtsc() {
  uint32_t lo, hi;
  __asm__ __volatile__("mfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  return (uint64_t(hi) << 32) | lo;
}

// The one sequence the SDM (Vol. 2B, RDTSC) gives for a read after all
// earlier loads AND stores are globally visible.
static inline uint64_t mfence_lfence_rdtsc() {
  uint32_t lo, hi;
  __asm__ __volatile__("mfence\n\tlfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  return (uint64_t(hi) << 32) | lo;
}

// RDPID (CPUID.(EAX=7,ECX=0):ECX[22]) reads IA32_TSC_AUX without the TSC.
static inline uint32_t rdpid() {
  uint64_t v;
  __asm__ __volatile__("rdpid %0" : "=r"(v));
  return uint32_t(v);
}
#else
static inline uint64_t rdtsc() { return 0; }
static inline uint64_t rdtscp(uint32_t* aux) { *aux = 0; return 0; }
static inline uint64_t lfence_rdtsc() { return 0; }
static inline uint64_t mfence_rdtsc() { return 0; }
static inline uint64_t mfence_lfence_rdtsc() { return 0; }
static inline uint32_t rdpid() { return 0; }
#endif

// Linux encodes TSC_AUX as (node << 12) | cpu (arch/x86/include/asm/segment.h,
// VDSO_CPUNODE_BITS = 12).
static inline uint32_t tsc_aux_cpu(uint32_t aux) { return aux & 0xfff; }
static inline uint32_t tsc_aux_node(uint32_t aux) { return aux >> 12; }

}  // namespace clocklab
