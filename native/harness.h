// harness.h: how do threads pinned to CPUs, sharing one state, start
// together, stop together and report the first error?
//
// The two-thread (or N-thread) harness under the warp check (warp.cc), the
// offset ping-pong (offsets.cc) and the order litmus tests (order.cc). Plain
// C++, no N-API. The state is memory the caller owns (a SharedArrayBuffer
// every worker hands down, 64-byte aligned by state_base_index()); the
// harness owns its control line, words 16..19, and each user the rest of the
// layout (warp.h, order.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <vector>

#include "tsc.h"

#if CLOCKLAB_X86
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

namespace clocklab {

// The control line (line 2 of the state): read every few hundred
// iterations, written rarely.
enum harness_word : size_t {
  H_ARRIVED = 16,  // the start barrier
  H_STOP = 17,     // set by the first thread past its deadline
  H_ABORT = 18,    // set by JS (AbortSignal, a worker that threw) or on an error
  H_ERROR = 19,    // the first -errno a thread met
};

inline int64_t load(const int64_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline int64_t load_relaxed(const int64_t* p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
inline void store(int64_t* p, int64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
inline void store_relaxed(int64_t* p, int64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }

// Whether a thread has stopped the run (its deadline) or anyone aborted it.
inline bool should_end(const int64_t* s) { return load_relaxed(&s[H_STOP]) != 0 || load_relaxed(&s[H_ABORT]) != 0; }

// CLOCK_MONOTONIC in ns. Inline: the loops look at it every few hundred reads.
inline int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Waits until `slots` threads have arrived. Returns 0, or -ECANCELED on
// abort, or -ETIMEDOUT when the barrier never fills (a worker died before
// arriving).
int harness_barrier(int64_t* s, int slots);

// Records the first error (-errno) and sets the abort word.
void harness_fail(int64_t* s, int rc);

// Index of the first 64-byte-aligned int64 in memory starting at `data`
// (a SharedArrayBuffer's backing store is only 16-byte aligned).
size_t state_base_index(const void* data);

// Runs job(slot) for every slot on a thread of its own, started here and
// pinned to cpus[slot], the caller blocking until all have ended: a run
// without Node workers (starting one costs ~40 ms of CPU, four times the
// 10 ms run of a light check). A thread that cannot pin fails the run, so
// the others stop at the start barrier. Returns 0 or the first -errno.
int run_pinned_threads(int64_t* state, const std::vector<int>& cpus, const std::function<int(int slot)>& job);

}  // namespace clocklab
