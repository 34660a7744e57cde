// loops.cc: what does one read of a method cost, timed over N reads in a loop
// that runs entirely in native code?
//
// Each kind gets its own loop, so an iteration holds the read and the loop
// counter and nothing else: no switch, no N-API, no error check. Results are
// folded into a local that is written to a volatile once, after the loop, so
// the compiler cannot drop reads (the asm is volatile and the clock calls are
// external anyway) and no store is added per iteration.
#include "loops.h"

#include <ctime>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "pin.h"
#include "pvclock.h"

namespace clocklab {

static volatile uint64_t sink;

template <typename Read>
static void run(uint64_t loops, Read read, loop_result* out) {
  timespec t0, t1;
  uint64_t acc = 0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint64_t c0 = CLOCKLAB_X86 ? lfence_rdtsc() : 0;
  for (uint64_t i = 0; i < loops; i++) acc += read();
  uint64_t c1 = CLOCKLAB_X86 ? lfence_rdtsc() : 0;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  sink = acc;
  out->elapsed_ns = (int64_t(t1.tv_sec) - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
  out->tsc_delta = c1 - c0;
}

int timed_loop(const method& m, uint64_t loops, loop_result* out) {
  uint64_t first = 0;
  int rc = method_read(m, &first);
  if (rc != 0) return rc;
  const clockid_t id = clockid_t(m.clock_id);
  switch (m.kind) {
    case K_RDTSC: run(loops, [] { return rdtsc(); }, out); break;
    case K_RDTSCP: run(loops, [] { uint32_t a; return rdtscp(&a); }, out); break;
    case K_LFENCE_RDTSC: run(loops, [] { return lfence_rdtsc(); }, out); break;
    case K_MFENCE_RDTSC: run(loops, [] { return mfence_rdtsc(); }, out); break;
    case K_RDPID: run(loops, [] { return uint64_t(rdpid()); }, out); break;
    case K_GETCPU:
      run(loops, [] { unsigned c, n; getcpu(&c, &n); return uint64_t(c); }, out);
      break;
    case K_VDSO_CLOCK:
      run(loops, [id] { timespec ts; clock_gettime(id, &ts); return uint64_t(ts.tv_nsec); }, out);
      break;
    case K_SYS_CLOCK:
      run(loops, [id] {
            timespec ts;
            syscall(SYS_clock_gettime, id, &ts);
            return uint64_t(ts.tv_nsec);
          }, out);
      break;
    case K_GETTIMEOFDAY:
      run(loops, [] { timeval tv; gettimeofday(&tv, nullptr); return uint64_t(tv.tv_usec); }, out);
      break;
    case K_TIME: run(loops, [] { return uint64_t(time(nullptr)); }, out); break;
    // The first read above proved the page is set (and the stable bit set,
    // for the vDSO algorithm); the loop keeps no error check, like the rest.
    case K_PVCLOCK_VDSO: run(loops, [] { uint64_t ns = 0; pvclock_vdso_read(&ns); return ns; }, out); break;
    case K_PVCLOCK_RDTSCP: run(loops, [] { uint64_t ns = 0; pvclock_rdtscp_read(&ns); return ns; }, out); break;
  }
  return 0;
}

}  // namespace clocklab
