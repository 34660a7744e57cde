// clocks.h: what does each POSIX clock read, through the vDSO and through the
// raw system call?
#pragma once
#include <cstdint>

namespace clocklab {

struct clock_entry {
  const char* name;  // clocklab's name, the lower-case CLOCK_ suffix
  int id;            // the Linux clock id (include/uapi/linux/time.h)
};

// Every clock id Linux defines for clock_gettime, in id order. The TypeScript
// table in src/clocks.ts must agree; test/clocks.test.ts checks it.
extern const clock_entry clock_table[];
extern const int clock_table_len;

// Each returns 0 or -errno and writes nanoseconds.
// libc's clock_gettime/clock_getres go through the vDSO where the kernel allows.
int clock_read(int id, int64_t* ns);
int clock_resolution(int id, int64_t* ns);
// The same through syscall(2), never the vDSO: the price of leaving it.
int clock_read_syscall(int id, int64_t* ns);
int clock_resolution_syscall(int id, int64_t* ns);

// gettimeofday(2) in microseconds (vDSO), and time(2) in seconds (vDSO).
int64_t gettimeofday_us();
int64_t time_s();

}  // namespace clocklab
