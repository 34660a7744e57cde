// methods.h: what are the ways of reading time, what does each need before
// its first read, and how is each read once?
//
// The native half of the method registry, declared once: the table of
// methods (methods.cc), what each kind of read executes that a CPU may lack
// and which page it reads (kind_table below, the data the one preparer,
// method_prepare(), acts on), and the one dispatch, with_reader(), through
// which every loop (loops.cc, warp.cc, order.cc, offsets.cc) reads. Policy
// (contracts, what a method needs of the machine beyond the CPU, which
// commands use it) lives in src/methods.ts, which finds each method here by
// name.
#pragma once
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "clocks.h"
#include "cpuid.h"
#include "pvclock.h"
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
  K_KINDS,
};

// A page a read needs set up before its first read: the preparer refuses
// the method until it is (TypeScript's probe opens it: src/probes/pvclock.ts).
enum method_page : int {
  PAGE_NONE,
  PAGE_PVCLOCK,  // the kvmclock page the vDSO maps (pvclock.h)
};

// What a kind of read needs: the instruction it executes that a CPU may lack
// (checked with cpu_lacks(), cpuid.h, before the first read, so no
// instruction runs on a CPU without it: that would be SIGILL) and the page.
struct kind_info {
  method_kind kind;  // its own index, checked below
  requirement req;
  method_page page;
};

constexpr kind_info kind_table[] = {
    // RDTSC is in every x86-64 CPU.
    {K_RDTSC, {true, 0, "rdtsc"}, PAGE_NONE},
    {K_RDTSCP, {true, FEATURE_RDTSCP, "rdtscp"}, PAGE_NONE},
    {K_LFENCE_RDTSC, {true, FEATURE_SSE2, "lfence"}, PAGE_NONE},
    {K_MFENCE_RDTSC, {true, FEATURE_SSE2, "mfence"}, PAGE_NONE},
    {K_RDPID, {true, FEATURE_RDPID, "rdpid"}, PAGE_NONE},
    // System calls and libc (the vDSO): nothing a CPU may lack.
    {K_GETCPU, {false, 0, nullptr}, PAGE_NONE},
    {K_VDSO_CLOCK, {false, 0, nullptr}, PAGE_NONE},
    {K_SYS_CLOCK, {false, 0, nullptr}, PAGE_NONE},
    {K_GETTIMEOFDAY, {false, 0, nullptr}, PAGE_NONE},
    {K_TIME, {false, 0, nullptr}, PAGE_NONE},
    {K_SKEWED_RDTSCP, {true, FEATURE_RDTSCP, "rdtscp"}, PAGE_NONE},
    // The vDSO's reader takes the TSC as rdtsc_ordered() does
    // (arch/x86/include/asm/tsc.h): RDTSCP where present, else LFENCE;RDTSC.
    {K_PVCLOCK_VDSO, {true, FEATURE_SSE2, "lfence"}, PAGE_PVCLOCK},
    {K_PVCLOCK_RDTSCP, {true, FEATURE_RDTSCP, "rdtscp"}, PAGE_PVCLOCK},
    {K_MFENCE_LFENCE_RDTSC, {true, FEATURE_SSE2, "mfence"}, PAGE_NONE},
    {K_SKEWED_LFENCE_RDTSC, {true, FEATURE_SSE2, "lfence"}, PAGE_NONE},
};

constexpr bool kind_table_in_order() {
  if (sizeof(kind_table) / sizeof(kind_table[0]) != size_t(K_KINDS)) return false;
  for (int k = 0; k < K_KINDS; k++)
    if (kind_table[k].kind != k) return false;
  return true;
}
static_assert(kind_table_in_order(), "kind_table has one row per method_kind, in enum order");

// constexpr, so a hot read's check (napi/reads.cc) folds to one feature test.
constexpr requirement method_requires(method_kind k) { return kind_table[k].req; }

struct method {
  const char* name;
  method_kind kind;
  int clock_id;  // for K_VDSO_CLOCK and K_SYS_CLOCK, else -1
};
constexpr requirement method_requires(const method& m) { return method_requires(m.kind); }
constexpr method_page method_page_of(const method& m) { return kind_table[m.kind].page; }

extern const method method_table[];
extern const int method_table_len;

// Each page's name to JavaScript (the method table's `page`), by method_page.
extern const char* const page_names[];

// What pvclock_read_all executes: its ordered TSC read is the vDSO reader's.
constexpr requirement PVCLOCK_READ_REQUIRES = method_requires(K_PVCLOCK_VDSO);

// The one preparer, called before a method's first read: READY, or why not.
// PREP_NOT_X86 and PREP_CPU_FEATURE (with *missing) as cpu_lacks(); PREP_NO_PAGE
// when the page the method reads is not set up.
enum prep { PREP_READY, PREP_NOT_X86, PREP_CPU_FEATURE, PREP_NO_PAGE };
prep method_prepare(const method& m, feature* missing);

// The per-CPU offset the skewed reads subtract (indexed by the CPU number:
// TSC_AUX for skewed_rdtscp, getcpu(2) for skewed_lfence_rdtsc). Process-wide,
// so every worker thread sees it; set it before a run and back to 0 after.
// Returns 0 or -EINVAL for a CPU out of range. CPU numbers in TSC_AUX have 12
// bits (tsc_aux_cpu()).
constexpr int TSC_SKEW_CPUS = 4096;
extern int64_t tsc_skew[TSC_SKEW_CPUS];
int set_tsc_skew(int cpu, int64_t cycles);

inline uint64_t skew_of(uint32_t cpu) { return uint64_t(__atomic_load_n(&tsc_skew[cpu & 0xfff], __ATOMIC_RELAXED)); }
inline int64_t ns_of(const timespec& ts) { return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec; }

// The one dispatch: calls f(read) with `read` the method's own read, an
// inline lambda `int(uint64_t*)` returning 0 or -errno, and returns what f
// returns. f is instantiated once per kind, so a loop written as f holds the
// read inlined: no switch and no function pointer inside it. For TSC reads
// the value is in cycles; for clocks in nanoseconds (gettimeofday and time
// scaled to ns); for rdpid and getcpu the CPU number. The caller has
// prepared the method (method_prepare()). A loop that ignores the value and
// the result compiles to the bare call or instruction: the TSC reads are
// volatile asm (tsc.h) and the clock reads calls that write through a pointer,
// so neither is dropped, and the conversions after them are.
template <typename F>
inline decltype(auto) with_reader(const method& m, F&& f) {
  const clockid_t id = clockid_t(m.clock_id);
  switch (m.kind) {
    case K_RDTSC: return f([](uint64_t* v) { *v = rdtsc(); return 0; });
    case K_RDTSCP: return f([](uint64_t* v) { uint32_t a; *v = rdtscp(&a); return 0; });
    case K_LFENCE_RDTSC: return f([](uint64_t* v) { *v = lfence_rdtsc(); return 0; });
    case K_MFENCE_RDTSC: return f([](uint64_t* v) { *v = mfence_rdtsc(); return 0; });
    case K_MFENCE_LFENCE_RDTSC: return f([](uint64_t* v) { *v = mfence_lfence_rdtsc(); return 0; });
    case K_RDPID: return f([](uint64_t* v) { *v = tsc_aux_cpu(rdpid()); return 0; });
    case K_GETCPU:
      return f([](uint64_t* v) {
        // The vDSO's getcpu (RDPID or LSL on the CPUNODE segment); not ordered
        // against memory (arch/x86/include/asm/segment.h, vdso_read_cpunode()).
        // No initial values: getcpu writes both, and in a timed loop a store
        // of 0 each would be two more instructions per read.
        unsigned c, n;
        if (getcpu(&c, &n) != 0) return -errno;
        *v = c;
        return 0;
      });
    case K_VDSO_CLOCK:
      return f([id](uint64_t* v) {
        timespec ts;
        if (clock_gettime(id, &ts) != 0) return -errno;
        *v = uint64_t(ns_of(ts));
        return 0;
      });
    case K_SYS_CLOCK:
      return f([id](uint64_t* v) {
        timespec ts;
        if (syscall(SYS_clock_gettime, id, &ts) != 0) return -errno;
        *v = uint64_t(ns_of(ts));
        return 0;
      });
    case K_GETTIMEOFDAY:
      return f([](uint64_t* v) {
        timeval tv;
        gettimeofday(&tv, nullptr);
        *v = uint64_t((int64_t(tv.tv_sec) * 1000000 + tv.tv_usec) * 1000);
        return 0;
      });
    case K_TIME: return f([](uint64_t* v) { *v = uint64_t(int64_t(time(nullptr)) * 1000000000); return 0; });
    case K_SKEWED_RDTSCP:
      return f([](uint64_t* v) {
        uint32_t aux = 0;
        uint64_t tsc = rdtscp(&aux);
        *v = tsc - skew_of(tsc_aux_cpu(aux));
        return 0;
      });
    case K_SKEWED_LFENCE_RDTSC:
      return f([](uint64_t* v) {
        // The CPU from getcpu(2) (the vDSO: LSL or RDPID as the kernel chose,
        // arch/x86/include/asm/segment.h vdso_read_cpunode()), never TSC_AUX:
        // where CPUID hides RDTSCP it may still run and name another
        // machine's CPU. The warp workers are pinned, so the CPU read is the TSC's.
        unsigned cpu, node;
        if (getcpu(&cpu, &node) != 0) return -errno;
        uint64_t tsc = lfence_rdtsc();
        *v = tsc - skew_of(cpu);
        return 0;
      });
    case K_PVCLOCK_VDSO: return f([](uint64_t* v) { return pvclock_vdso_read(v); });
    case K_PVCLOCK_RDTSCP: return f([](uint64_t* v) { return pvclock_rdtscp_read(v); });
    case K_KINDS: break;
  }
  __builtin_unreachable();
}

// Reads the method once (with_reader()). Returns 0 or -errno.
int method_read(const method& m, uint64_t* value);

}  // namespace clocklab
