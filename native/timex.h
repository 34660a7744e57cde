// timex.h: is the kernel's clock disciplined by NTP, and how well? adjtimex(2)
// with modes 0 reads the NTP state without changing it (kernel/time/ntp.c,
// __do_adjtimex: nothing is written unless a mode bit is set).
#pragma once
#include <cstdint>

namespace clocklab {

struct timex_reading {
  int state;            // adjtimex's return: TIME_OK 0 ... TIME_ERROR 5 (unsynchronised)
  int64_t status;       // STA_* bits (include/uapi/linux/timex.h)
  int64_t offset_ns;    // offset of the last update, in ns (us scaled unless STA_NANO)
  int64_t maxerror_us;  // maximum error bound, us
  int64_t esterror_us;  // estimated error, us
  int64_t freq_ppm_16;  // frequency offset, ppm with a 16-bit fraction
  int64_t tai_s;        // TAI - UTC, s
};

// adjtimex(2) with modes 0: read-only. Returns 0 or -errno.
int read_timex(timex_reading* out);

}  // namespace clocklab
