// timex.cc: the kernel's NTP state, read with adjtimex(2) modes 0.
#include "timex.h"

#include <sys/timex.h>

#include <cerrno>

namespace clocklab {

int read_timex(timex_reading* out) {
  struct timex t {};
  t.modes = 0;  // read only: no ADJ_* bit, so the kernel changes nothing
  int rc = adjtimex(&t);
  if (rc < 0) return -errno;
  out->state = rc;
  out->status = t.status;
  // STA_NANO: offset is in ns, else in us (include/uapi/linux/timex.h).
  out->offset_ns = (t.status & STA_NANO) ? int64_t(t.offset) : int64_t(t.offset) * 1000;
  out->maxerror_us = t.maxerror;
  out->esterror_us = t.esterror;
  out->freq_ppm_16 = t.freq;
  out->tai_s = t.tai;
  return 0;
}

}  // namespace clocklab
