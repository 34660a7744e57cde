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

namespace clocklab {

// noinline: each loop gets a function of its own, so the registers it needs
// (counter, bound, clock id, &ts) are not taken by timed_loop's other state;
// inlined into the dispatch, the clock loops spilled their counter to the
// stack around every call (seen with objdump; timing.c keeps it in a
// register). One instantiation per kind of read (with_reader()), so the
// read is inlined: its value and result are unused, and what is left of it
// is the instruction or the call alone.
template <typename Read>
__attribute__((noinline)) static void run(uint64_t loops, Read read, loop_result* out) {
  timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint64_t c0 = CLOCKLAB_X86 ? lfence_rdtsc() : 0;
  for (uint64_t i = 0; i < loops; i++) {
    uint64_t v;
    read(&v);
  }
  uint64_t c1 = CLOCKLAB_X86 ? lfence_rdtsc() : 0;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  out->elapsed_ns = (int64_t(t1.tv_sec) - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
  out->tsc_delta = c1 - c0;
}

// The first read, before timing, fails a clock the kernel lacks before the
// loop, and proves a pvclock page set (and, for the vDSO algorithm, its
// stable bit): the loop keeps no error check.
int timed_loop(const method& m, uint64_t loops, loop_result* out) {
  return with_reader(m, [&](auto read) {
    uint64_t first = 0;
    int rc = read(&first);
    if (rc != 0) return rc;
    run(loops, read, out);
    return 0;
  });
}

}  // namespace clocklab
