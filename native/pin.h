// pin.h: which CPU is this thread on, and how do we keep it there?
#pragma once
#include <cstdint>
#include <vector>

namespace clocklab {

// Restricts the calling thread to one CPU. Returns 0 or -errno.
int pin_to_cpu(int cpu);
// Restricts the calling thread to the given CPUs. Returns 0 or -errno.
int set_affinity(const std::vector<int>& cpus);
// The CPUs the calling thread may run on. Returns 0 or -errno.
int get_affinity(std::vector<int>* cpus);
// getcpu(2): the CPU and NUMA node the thread is running on now.
int get_cpu(uint32_t* cpu, uint32_t* node);

}  // namespace clocklab
