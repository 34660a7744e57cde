// loops.cc: what does one read of a method cost, timed over N reads in a loop
// that runs entirely in native code?
//
// Each kind gets its own loop, so an iteration holds the read and the loop
// counter and nothing else: no switch, no N-API, no error check, and no use
// of the value read. That is what timing_test timed (the loop behind the
// "N loops in Xs = Y nsec / loop" lines in the 2014 LKML discussion of
// kvm-clock's vDSO cost), and bench/fidelity checks these loops against a
// plain C copy of it: folding
// each value into an accumulator cost a shift, an or and an add per TSC read
// (and a reload from the stack per clock call), measurable on a 12 ns RDTSC.
// Nothing is dropped for it: every TSC read is a volatile asm (tsc.h), which
// the compiler must emit even when its outputs are unused, and every clock
// read is a call into libc or the vDSO that writes through a pointer.
#include "loops.h"

#include <ctime>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "pin.h"
#include "pvclock.h"

namespace clocklab {

// noinline: each loop gets a function of its own, so the registers it needs
// (counter, bound, clock id, &ts) are not taken by timed_loop's other state;
// inlined into the switch, the clock loops spilled their counter to the stack
// around every call (seen with objdump; timing.c keeps it in a register).
template <typename Read>
__attribute__((noinline)) static void run(uint64_t loops, Read read, loop_result* out) {
  timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint64_t c0 = CLOCKLAB_X86 ? lfence_rdtsc() : 0;
  for (uint64_t i = 0; i < loops; i++) read();
  uint64_t c1 = CLOCKLAB_X86 ? lfence_rdtsc() : 0;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  out->elapsed_ns = (int64_t(t1.tv_sec) - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
  out->tsc_delta = c1 - c0;
}

int timed_loop(const method& m, uint64_t loops, loop_result* out) {
  uint64_t first = 0;
  int rc = method_read(m, &first);
  if (rc != 0) return rc;
  const clockid_t id = clockid_t(m.clock_id);
  switch (m.kind) {
    case K_RDTSC: run(loops, [] { rdtsc(); }, out); break;
    case K_RDTSCP: run(loops, [] { uint32_t a; rdtscp(&a); }, out); break;
    case K_LFENCE_RDTSC: run(loops, [] { lfence_rdtsc(); }, out); break;
    case K_MFENCE_RDTSC: run(loops, [] { mfence_rdtsc(); }, out); break;
    case K_MFENCE_LFENCE_RDTSC: run(loops, [] { mfence_lfence_rdtsc(); }, out); break;
    case K_RDPID: run(loops, [] { rdpid(); }, out); break;
    case K_GETCPU: run(loops, [] { unsigned c, n; getcpu(&c, &n); }, out); break;
    case K_VDSO_CLOCK: run(loops, [id] { timespec ts; clock_gettime(id, &ts); }, out); break;
    case K_SYS_CLOCK: run(loops, [id] { timespec ts; syscall(SYS_clock_gettime, id, &ts); }, out); break;
    case K_GETTIMEOFDAY: run(loops, [] { timeval tv; gettimeofday(&tv, nullptr); }, out); break;
    case K_TIME: run(loops, [] { time(nullptr); }, out); break;
    case K_SKEWED_RDTSCP:
    case K_SKEWED_LFENCE_RDTSC: run(loops, [&m] { uint64_t v = 0; method_read(m, &v); }, out); break;
    // The first read above proved the page is set (and the stable bit set,
    // for the vDSO algorithm); the loop keeps no error check, like the rest.
    case K_PVCLOCK_VDSO:
    case K_PVCLOCK_RDTSCP: {
      pvclock_reader read = pvclock_reader_of(m.kind);
      run(loops, [read] { uint64_t ns = 0; read(&ns); }, out);
      break;
    }
  }
  return 0;
}

}  // namespace clocklab
