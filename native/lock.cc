// lock.cc: is another clocklab run already switching the clocksource?
#include "lock.h"

#include <cerrno>
#include <sys/file.h>

namespace clocklab {

int try_lock_exclusive(int fd) {
  // flock(2): the lock belongs to the open file description and is released
  // when the last descriptor for it closes, which the kernel does at exit.
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

}  // namespace clocklab
