// coreclock.h: how fast is this core running right now? The TSC ticks at a
// constant rate (CPUID.80000007H:EDX[8], invariant TSC), so ns and TSC cycles
// say nothing of the core's own clock, which the host moves with turbo and
// power limits; a read's cost in ns moves with it.
#pragma once
#include <cstdint>

namespace clocklab {

// Times a chain of `adds` register additions, each depending on the one
// before (so they run one per core cycle, whatever the issue width), with
// CLOCK_MONOTONIC. Returns the elapsed ns; adds / ns is the core clock in GHz.
// `adds` is rounded down to a multiple of 8.
int64_t add_chain_ns(uint64_t adds);

}  // namespace clocklab
