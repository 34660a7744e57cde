// tscaux.cc: RDTSCP and RDPID executed in a forked child, pinned CPU by CPU
// (see tscaux.h for what TSC_AUX should hold).
#include "tscaux.h"

#include <cerrno>
#include <cstring>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tsc.h"

namespace clocklab {

namespace {

// The page the child writes and the parent reads after it ends.
struct shared_area {
  int done;
  tscaux_read reads[1];
};

size_t area_bytes(int n) { return sizeof(shared_area) + size_t(n - 1) * sizeof(tscaux_read); }

// getcpu(2) as a system call: the kernel's own answer, not the vDSO's (which
// reads the same TSC_AUX with RDPID where it may: vdso_read_cpunode(),
// arch/x86/include/asm/segment.h).
void kernel_getcpu(int32_t* cpu, int32_t* node) {
  unsigned c = 0, n = 0;
  if (syscall(SYS_getcpu, &c, &n, nullptr) != 0) {
    *cpu = -1;
    if (node) *node = -1;
    return;
  }
  *cpu = int32_t(c);
  if (node) *node = int32_t(n);
}

// The child: only async-signal-safe calls (a fork of a threaded process),
// no allocation; the CPU set was allocated by the parent.
[[noreturn]] void child(tscaux_instruction instr, const int* cpus, int ncpus, int rounds, cpu_set_t* set,
                        size_t setsize, shared_area* area) {
  // No core file for the SIGILL this may well end in.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < ncpus; i++) {
      tscaux_read& out = area->reads[r * ncpus + i];
      out.cpu = cpus[i];
      CPU_ZERO_S(setsize, set);
      CPU_SET_S(cpus[i], setsize, set);
      out.pin_errno = sched_setaffinity(0, setsize, set) == 0 ? 0 : errno;
      kernel_getcpu(&out.cpu_before, nullptr);
#if CLOCKLAB_X86
      if (instr == TSCAUX_RDTSCP) {
        uint32_t aux = 0;
        out.tsc = rdtscp(&aux);
        out.aux = aux;
      } else {
        out.tsc = 0;
        out.aux = rdpid();
      }
#endif
      kernel_getcpu(&out.cpu_after, &out.node_after);
      __atomic_store_n(&area->done, r * ncpus + i + 1, __ATOMIC_RELEASE);
    }
  }
  _exit(0);
}

}  // namespace

int tscaux_probe(tscaux_instruction instr, const int* cpus, int ncpus, int rounds, tscaux_read* reads, int* done,
                 int* signal) {
  *done = 0;
  *signal = 0;
  if (!CLOCKLAB_X86) return -ENOSYS;
  if (instr != TSCAUX_RDTSCP && instr != TSCAUX_RDPID) return -EINVAL;
  if (ncpus < 1 || rounds < 1 || ncpus > TSCAUX_MAX_READS / rounds) return -EINVAL;
  int max_cpu = 0;
  for (int i = 0; i < ncpus; i++) {
    if (cpus[i] < 0 || cpus[i] > 1 << 20) return -EINVAL;
    if (cpus[i] > max_cpu) max_cpu = cpus[i];
  }
  int n = ncpus * rounds;
  size_t bytes = area_bytes(n);
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return -errno;
  auto* area = static_cast<shared_area*>(mem);
  cpu_set_t* set = CPU_ALLOC(max_cpu + 1);
  if (!set) {
    munmap(mem, bytes);
    return -ENOMEM;
  }
  size_t setsize = CPU_ALLOC_SIZE(max_cpu + 1);
  int rc = 0;
  pid_t pid = fork();
  if (pid == 0) child(instr, cpus, ncpus, rounds, set, setsize, area);
  if (pid < 0) {
    rc = -errno;
  } else {
    int status = 0;
    for (;;) {
      pid_t w = waitpid(pid, &status, 0);
      if (w == pid) break;
      if (w < 0 && errno != EINTR) {
        rc = -errno;
        break;
      }
    }
    if (rc == 0) {
      if (WIFSIGNALED(status)) *signal = WTERMSIG(status);
      else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) rc = -EIO;
      int d = __atomic_load_n(&area->done, __ATOMIC_ACQUIRE);
      *done = d < 0 ? 0 : d > n ? n : d;
      // The read in progress when the child died keeps its CPU and pinning.
      int copy = *done < n && *signal != 0 ? *done + 1 : *done;
      std::memcpy(reads, area->reads, size_t(copy) * sizeof(tscaux_read));
    }
  }
  CPU_FREE(set);
  munmap(mem, bytes);
  return rc;
}

}  // namespace clocklab
