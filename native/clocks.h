// clocks.h: what does each POSIX clock read, through the vDSO and through the
// raw system call?
#pragma once
#include <cstdint>

namespace clocklab {

struct clock_entry {
  const char* name;  // clocklab's name, the lower-case CLOCK_ suffix
  int id;            // the Linux clock id (include/uapi/linux/time.h)
};

// Every clock id Linux defines for clock_gettime, in id order
// (include/uapi/linux/time.h; id 10, CLOCK_SGI_CYCLE, was removed from Linux).
// The one clock table: the method table (methods.cc) takes its ids from it,
// and the TypeScript table in src/clocks.ts must agree (test/clocks.test.ts).
inline constexpr clock_entry clock_table[] = {
    {"realtime", 0},         {"monotonic", 1},       {"process_cputime", 2},
    {"thread_cputime", 3},   {"monotonic_raw", 4},   {"realtime_coarse", 5},
    {"monotonic_coarse", 6}, {"boottime", 7},        {"realtime_alarm", 8},
    {"boottime_alarm", 9},   {"tai", 11},
};
inline constexpr int clock_table_len = sizeof(clock_table) / sizeof(clock_table[0]);

constexpr bool same_name(const char* a, const char* b) {
  while (*a != 0 && *a == *b) a++, b++;
  return *a == *b;
}

// A clock's id by its name, at compile time: a name not in clock_table does
// not compile (the throw is not a constant expression).
consteval int clock_id(const char* name) {
  for (const clock_entry& c : clock_table)
    if (same_name(c.name, name)) return c.id;
  throw "not a clock in clock_table";
}

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
