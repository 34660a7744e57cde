// pin.cc: which CPU is this thread on, and how do we keep it there?
#include "pin.h"

#include <cerrno>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace clocklab {

int set_affinity(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) {
    if (c < 0 || c >= CPU_SETSIZE) return -EINVAL;
    CPU_SET(c, &set);
  }
  // pid 0 is the calling thread (sched_setaffinity(2)).
  if (sched_setaffinity(0, sizeof(set), &set) != 0) return -errno;
  return 0;
}

int pin_to_cpu(int cpu) { return set_affinity({cpu}); }

int get_affinity(std::vector<int>* cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return -errno;
  cpus->clear();
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET(c, &set)) cpus->push_back(c);
  return 0;
}

int get_cpu(uint32_t* cpu, uint32_t* node) {
  unsigned c = 0, n = 0;
  // The vDSO's getcpu (RDPID or LSL on the CPUNODE segment); not ordered
  // against memory (arch/x86/include/asm/segment.h, vdso_read_cpunode()).
  if (getcpu(&c, &n) != 0) return -errno;
  *cpu = c;
  *node = n;
  return 0;
}

}  // namespace clocklab
