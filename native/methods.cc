// methods.cc: what are the ways of reading time, and what does each need
// before its first read?
#include "methods.h"

namespace clocklab {

// The clocks by name: their ids come from the one clock table (clocks.h).
#define VDSO(name) {name, K_VDSO_CLOCK, clock_id(name)}
#define SYS(name) {"sys_" name, K_SYS_CLOCK, clock_id(name)}

const method method_table[] = {
    {"rdtsc", K_RDTSC, -1},
    {"rdtscp", K_RDTSCP, -1},
    {"lfence_rdtsc", K_LFENCE_RDTSC, -1},
    {"mfence_rdtsc", K_MFENCE_RDTSC, -1},
    {"mfence_lfence_rdtsc", K_MFENCE_LFENCE_RDTSC, -1},
    {"rdpid", K_RDPID, -1},
    {"getcpu", K_GETCPU, -1},
    VDSO("realtime"),
    VDSO("monotonic"),
    VDSO("monotonic_raw"),
    VDSO("boottime"),
    VDSO("tai"),
    VDSO("realtime_coarse"),
    VDSO("monotonic_coarse"),
    VDSO("process_cputime"),
    VDSO("thread_cputime"),
    SYS("realtime"),
    SYS("monotonic"),
    SYS("monotonic_raw"),
    SYS("boottime"),
    SYS("tai"),
    SYS("realtime_coarse"),
    SYS("monotonic_coarse"),
    SYS("process_cputime"),
    SYS("thread_cputime"),
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

#undef VDSO
#undef SYS

// By method_page; nullptr for PAGE_NONE.
const char* const page_names[] = {nullptr, "pvclock"};

// Whether each page is set up, by method_page: the preparer's table.
static bool page_ready(method_page p) {
  switch (p) {
    case PAGE_NONE: return true;
    // Set (probed first, pvclock_set_page()) from TypeScript.
    case PAGE_PVCLOCK: return pvclock_page() != nullptr;
  }
  return false;
}

prep method_prepare(const method& m, feature* missing) {
  switch (cpu_lacks(method_requires(m), missing)) {
    case LACKS_NOTHING: break;
    case LACKS_X86: return PREP_NOT_X86;
    case LACKS_FEATURE: return PREP_CPU_FEATURE;
  }
  return page_ready(method_page_of(m)) ? PREP_READY : PREP_NO_PAGE;
}

int64_t tsc_skew[TSC_SKEW_CPUS];

int set_tsc_skew(int cpu, int64_t cycles) {
  if (cpu < 0 || cpu >= TSC_SKEW_CPUS) return -EINVAL;
  __atomic_store_n(&tsc_skew[cpu], cycles, __ATOMIC_SEQ_CST);
  return 0;
}

int method_read(const method& m, uint64_t* value) {
  return with_reader(m, [value](auto read) { return read(value); });
}

}  // namespace clocklab
