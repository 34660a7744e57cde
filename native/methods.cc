// methods.cc: what are the ways of reading time, and how is each read once?
#include "methods.h"

#include <cerrno>

#include "pin.h"
#include "pvclock.h"

namespace clocklab {

#define VDSO(name, id) {name, K_VDSO_CLOCK, id}
#define SYS(name, id) {"sys_" name, K_SYS_CLOCK, id}

const method method_table[] = {
    {"rdtsc", K_RDTSC, -1},
    {"rdtscp", K_RDTSCP, -1},
    {"lfence_rdtsc", K_LFENCE_RDTSC, -1},
    {"mfence_rdtsc", K_MFENCE_RDTSC, -1},
    {"mfence_lfence_rdtsc", K_MFENCE_LFENCE_RDTSC, -1},
    {"rdpid", K_RDPID, -1},
    {"getcpu", K_GETCPU, -1},
    VDSO("realtime", 0),
    VDSO("monotonic", 1),
    VDSO("monotonic_raw", 4),
    VDSO("boottime", 7),
    VDSO("tai", 11),
    VDSO("realtime_coarse", 5),
    VDSO("monotonic_coarse", 6),
    VDSO("process_cputime", 2),
    VDSO("thread_cputime", 3),
    SYS("realtime", 0),
    SYS("monotonic", 1),
    SYS("monotonic_raw", 4),
    SYS("boottime", 7),
    SYS("tai", 11),
    SYS("realtime_coarse", 5),
    SYS("monotonic_coarse", 6),
    SYS("process_cputime", 2),
    SYS("thread_cputime", 3),
    {"gettimeofday", K_GETTIMEOFDAY, -1},
    {"time", K_TIME, -1},
    // Internal (not in src/methods.ts): proves the warp checker on any machine.
    {"skewed_rdtscp", K_SKEWED_RDTSCP, -1},
    {"pvclock_vdso", K_PVCLOCK_VDSO, -1},
    {"pvclock_rdtscp", K_PVCLOCK_RDTSCP, -1},
    // Internal too: the self-test where CPUID hides RDTSCP.
    {"skewed_lfence_rdtsc", K_SKEWED_LFENCE_RDTSC, -1},
};
const int method_table_len = sizeof(method_table) / sizeof(method_table[0]);

// CPU numbers in TSC_AUX have 12 bits (tsc_aux_cpu()).
static int64_t tsc_skew[4096];

int set_tsc_skew(int cpu, int64_t cycles) {
  if (cpu < 0 || cpu >= 4096) return -EINVAL;
  __atomic_store_n(&tsc_skew[cpu], cycles, __ATOMIC_SEQ_CST);
  return 0;
}

int method_read(const method& m, uint64_t* value) {
  uint32_t aux = 0;
  int64_t ns = 0;
  int rc = 0;
  switch (m.kind) {
    case K_RDTSC: *value = rdtsc(); return 0;
    case K_RDTSCP: *value = rdtscp(&aux); return 0;
    case K_LFENCE_RDTSC: *value = lfence_rdtsc(); return 0;
    case K_MFENCE_RDTSC: *value = mfence_rdtsc(); return 0;
    case K_MFENCE_LFENCE_RDTSC: *value = mfence_lfence_rdtsc(); return 0;
    case K_RDPID: *value = tsc_aux_cpu(rdpid()); return 0;
    case K_GETCPU: {
      uint32_t cpu = 0, node = 0;
      rc = get_cpu(&cpu, &node);
      *value = cpu;
      return rc;
    }
    case K_VDSO_CLOCK: rc = clock_read(m.clock_id, &ns); break;
    case K_SYS_CLOCK: rc = clock_read_syscall(m.clock_id, &ns); break;
    case K_GETTIMEOFDAY: ns = gettimeofday_us() * 1000; break;
    case K_TIME: ns = time_s() * 1000000000; break;
    case K_SKEWED_RDTSCP: {
      uint64_t tsc = rdtscp(&aux);
      *value = tsc - uint64_t(__atomic_load_n(&tsc_skew[tsc_aux_cpu(aux)], __ATOMIC_RELAXED));
      return 0;
    }
    case K_SKEWED_LFENCE_RDTSC: {
      // The CPU from getcpu(2) (the vDSO: LSL or RDPID as the kernel chose,
      // arch/x86/include/asm/segment.h vdso_read_cpunode()), never TSC_AUX:
      // where CPUID hides RDTSCP it may still run and name another machine's
      // CPU. The warp workers are pinned, so the CPU read is the TSC's.
      uint32_t cpu = 0, node = 0;
      rc = get_cpu(&cpu, &node);
      if (rc != 0) return rc;
      uint64_t tsc = lfence_rdtsc();
      *value = tsc - uint64_t(__atomic_load_n(&tsc_skew[cpu & 0xfff], __ATOMIC_RELAXED));
      return 0;
    }
    case K_PVCLOCK_VDSO:
    case K_PVCLOCK_RDTSCP: return pvclock_reader_of(m.kind)(value);
  }
  *value = uint64_t(ns);
  return rc;
}

}  // namespace clocklab
