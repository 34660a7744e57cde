// clocks.cc: what does each POSIX clock read, through the vDSO and through the
// raw system call?
#include "clocks.h"

#include <cerrno>
#include <ctime>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

namespace clocklab {

static inline int64_t to_ns(const timespec& ts) {
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int clock_read(int id, int64_t* ns) {
  timespec ts;
  if (clock_gettime(clockid_t(id), &ts) != 0) return -errno;
  *ns = to_ns(ts);
  return 0;
}

int clock_resolution(int id, int64_t* ns) {
  timespec ts;
  if (clock_getres(clockid_t(id), &ts) != 0) return -errno;
  *ns = to_ns(ts);
  return 0;
}

int clock_read_syscall(int id, int64_t* ns) {
  timespec ts;
  if (syscall(SYS_clock_gettime, id, &ts) != 0) return -errno;
  *ns = to_ns(ts);
  return 0;
}

int clock_resolution_syscall(int id, int64_t* ns) {
  timespec ts;
  if (syscall(SYS_clock_getres, id, &ts) != 0) return -errno;
  *ns = to_ns(ts);
  return 0;
}

int64_t gettimeofday_us() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  return int64_t(tv.tv_sec) * 1000000 + tv.tv_usec;
}

int64_t time_s() { return int64_t(time(nullptr)); }

}  // namespace clocklab
