// coreclock.cc: how fast is this core running right now? (coreclock.h)
//
// A register ADD has a latency of one core cycle on every x86 core since the
// P6 (Intel 64 and IA-32 Architectures Optimization Reference Manual,
// appendix "Instruction latency and throughput"; AMD's Software Optimization
// Guides list the same), so a chain of dependent adds takes one cycle each.
// Eight per iteration: the loop's own counter and branch run beside the
// chain and never set its pace. The addend is a register, not an immediate:
// recent Intel cores fold chains of add-immediate at register renaming
// (measured on this project's KVM guests: 0.05 ns an add, "19 GHz"), while
// add-register still takes its cycle (0.28 ns at 3.5 GHz).
#include "coreclock.h"

#include <ctime>

#include "tsc.h"

namespace clocklab {

int64_t add_chain_ns(uint64_t adds) {
  uint64_t x = 0;
  uint64_t one = 1;
  timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (uint64_t i = 0; i < adds / 8; i++) {
#if CLOCKLAB_X86
    __asm__ __volatile__(
        "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
        "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0"
        : "+r"(x)
        : "r"(one));
#else
    // The empty asm makes each add a value the compiler must produce in a
    // register, in order: no folding the eight into one.
    for (int k = 0; k < 8; k++) {
      x += one;
      __asm__ __volatile__("" : "+r"(x), "+r"(one));
    }
#endif
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (int64_t(t1.tv_sec) - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
}

}  // namespace clocklab
