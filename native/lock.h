// lock.h: is another clocklab run already switching the clocksource?
// flock(2) on a file in the state folder answers it; the kernel drops the
// lock when its holder dies, even by SIGKILL, so a lock is never stale.
#pragma once

namespace clocklab {

// Takes an exclusive flock on fd without waiting. Returns 0 when taken,
// -EWOULDBLOCK when another open file description holds it, else -errno.
int try_lock_exclusive(int fd);

}  // namespace clocklab
