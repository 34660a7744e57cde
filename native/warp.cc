// warp.cc: does a way of reading time ever go backwards when read by several
// CPUs in turn, and by how much do two CPUs' TSCs disagree?
//
// The check follows the kernel's own TSC sync test (arch/x86/kernel/tsc_sync.c,
// check_tsc_warp()): every CPU repeatedly takes one shared spinlock, reads
// the clock, compares with the last value any CPU stored, stores its own and
// releases. Any method is read through method_read(), so every registered
// method is warp-checkable without touching this file.
#include "warp.h"

#include <cerrno>
#include <ctime>

#if CLOCKLAB_X86
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

namespace clocklab {

namespace {

// How often a thread looks at the clock and the control words: rarely
// enough that the check costs nothing beside the lock round trip, often
// enough that a stop or an abort lands within microseconds.
constexpr uint64_t CHECK_EVERY = 256;
// A start barrier that never fills (a worker died before arriving) gives up.
constexpr int64_t BARRIER_TIMEOUT_NS = 30LL * 1000000000;

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t load(const int64_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
int64_t load_relaxed(const int64_t* p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
void store(int64_t* p, int64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
void store_relaxed(int64_t* p, int64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }

bool should_end(int64_t* s) { return load_relaxed(&s[W_STOP]) != 0 || load_relaxed(&s[W_ABORT]) != 0; }

void fail(int64_t* s, int rc) {
  int64_t zero = 0;
  __atomic_compare_exchange_n(&s[W_ERROR], &zero, int64_t(rc), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  store(&s[W_ABORT], 1);
}

// Test-and-test-and-set: spin on a plain load so the waiting CPU keeps the
// line shared until the holder releases it.
void lock(int64_t* word) {
  for (;;) {
    int64_t expected = 0;
    if (__atomic_compare_exchange_n(word, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
    while (load_relaxed(word) != 0) cpu_relax();
  }
}

void unlock(int64_t* word) { store(word, 0); }

// Waits until `slots` threads have arrived. Returns 0, or -ECANCELED on
// abort, or -ETIMEDOUT.
int barrier(int64_t* s, int slots) {
  __atomic_fetch_add(&s[W_ARRIVED], 1, __ATOMIC_ACQ_REL);
  int64_t give_up = now_ns() + BARRIER_TIMEOUT_NS;
  for (uint64_t i = 0; load(&s[W_ARRIVED]) < slots; i++) {
    cpu_relax();
    if (i % CHECK_EVERY == 0) {
      if (load_relaxed(&s[W_ABORT]) != 0) return -ECANCELED;
      if (now_ns() > give_up) return -ETIMEDOUT;
    }
  }
  return 0;
}

}  // namespace

size_t warp_base_index(const void* data) {
  uintptr_t p = uintptr_t(data);
  return size_t(((p + 63) & ~uintptr_t(63)) - p) / 8;
}

namespace {

// The loop, with the read inlined. `read` returns 0 or -errno.
template <typename Read>
int warp_loop(const warp_job& job, Read read) {
  int64_t* s = job.state;
  int64_t* mine = &s[W_SLOTS + size_t(job.slot) * WARP_LINE_WORDS];
  int rc = barrier(s, job.slots);
  if (rc != 0) {
    store(&mine[WS_DONE], 1);
    return rc == -ECANCELED ? 0 : (fail(s, rc), rc);
  }
  const int64_t deadline = now_ns() + job.duration_ns;
  uint64_t reads = 0;
  for (;;) {
    if (reads % CHECK_EVERY == 0) {
      store_relaxed(&mine[WS_READS], int64_t(reads));
      if (should_end(s)) break;
      if (now_ns() >= deadline) {
        store(&s[W_STOP], 1);
        break;
      }
    }
    lock(&s[W_LOCK]);
    // The read happens inside the lock, as in check_tsc_warp(): taking the
    // lock orders the previous holder's store of W_LAST before anything this
    // thread does after acquiring it, so `prev` was stored by a read that
    // truly came first. A value lower than `prev` is then a fact about the
    // clock (or, for plain RDTSC, about the read running ahead of the lock
    // acquisition, which is the ordering point of the method), not about
    // the checker reading two stale values.
    uint64_t v = 0;
    rc = read(&v);
    if (rc != 0) {
      unlock(&s[W_LOCK]);
      fail(s, rc);
      break;
    }
    const uint64_t prev = uint64_t(s[W_LAST]);
    const int64_t prev_slot = s[W_LAST_SLOT];
    if (prev_slot >= 0 && v < prev) {
      const uint64_t amount = prev - v;
      s[W_WARPS]++;
      int64_t* pair = &s[W_PAIRS + (size_t(prev_slot) * WARP_MAX_SLOTS + size_t(job.slot)) * WP_WORDS];
      pair[0]++;
      if (amount > uint64_t(pair[1])) pair[1] = int64_t(amount);
      if (amount > uint64_t(s[W_MAX_AMOUNT])) {
        s[W_MAX_AMOUNT] = int64_t(amount);
        s[W_MAX_BEFORE] = int64_t(prev);
        s[W_MAX_AFTER] = int64_t(v);
        s[W_MAX_FROM] = prev_slot;
        s[W_MAX_TO] = job.slot;
      }
    }
    s[W_LAST] = int64_t(v);
    s[W_LAST_SLOT] = job.slot;
    unlock(&s[W_LOCK]);
    reads++;
  }
  store_relaxed(&mine[WS_READS], int64_t(reads));
  store(&mine[WS_DONE], 1);
  return rc;
}

}  // namespace

// The TSC reads get a loop of their own with the instruction inlined, as in
// loops.cc, so the locked read costs what the instruction costs; every other
// method (and any added later) goes through method_read().
int warp_run(const warp_job& job) {
  switch (job.m->kind) {
    case K_RDTSC: return warp_loop(job, [](uint64_t* v) { *v = rdtsc(); return 0; });
    case K_RDTSCP: return warp_loop(job, [](uint64_t* v) { uint32_t a; *v = rdtscp(&a); return 0; });
    case K_LFENCE_RDTSC: return warp_loop(job, [](uint64_t* v) { *v = lfence_rdtsc(); return 0; });
    case K_MFENCE_RDTSC: return warp_loop(job, [](uint64_t* v) { *v = mfence_rdtsc(); return 0; });
    default: {
      const method& m = *job.m;
      return warp_loop(job, [&m](uint64_t* v) { return method_read(m, v); });
    }
  }
}

// The offset between two CPUs' counters, bracketed as TSC sync checkers do:
// the pinger reads t0, publishes a sequence number, and waits for the answer;
// the answerer, on seeing it, reads tB and publishes it; the pinger reads t1.
// The answerer's read happened after the pinger's t0 and before its t1 (the
// reads are ordered against the loads and stores around them: RDTSCP waits
// for earlier loads, Intel SDM Vol. 2B RDTSCP; LFENCE;RDTSC likewise), so
//   t0 <= tB - offset <= t1,  i.e.  offset in [tB - t1, tB - t0],
// where offset = TSC(answerer) - TSC(pinger) at one instant. The narrowest
// bracket over all round trips is kept.
int warp_ping(int64_t* s, const method& m, bool pinger, int64_t samples, int64_t budget_ns) {
  int rc = barrier(s, 2);
  if (rc != 0) return rc == -ECANCELED ? 0 : (fail(s, rc), rc);
  const int64_t deadline = now_ns() + budget_ns;
  int64_t* seq = &s[W_PING_SEQ];
  int64_t* pong_seq = &s[W_PONG_SEQ];
  int64_t* pong_tsc = &s[W_PONG_TSC];
  if (!pinger) {
    // Answer until the pinger says stop (it sets W_STOP when done).
    int64_t seen = 0;
    for (uint64_t i = 0;; i++) {
      int64_t k = load(seq);
      if (k != seen) {
        uint64_t t = 0;
        rc = method_read(m, &t);
        if (rc != 0) return fail(s, rc), rc;
        store_relaxed(pong_tsc, int64_t(t));
        store(pong_seq, k);
        seen = k;
      } else {
        cpu_relax();
      }
      if (i % CHECK_EVERY == 0 && (should_end(s) || now_ns() > deadline + 1000000000)) return 0;
    }
  }
  int64_t lo = INT64_MIN, hi = INT64_MAX, n = 0;
  for (int64_t k = 1; k <= samples; k++) {
    uint64_t t0 = 0, t1 = 0;
    rc = method_read(m, &t0);
    if (rc != 0) break;
    store(seq, k);
    for (uint64_t i = 0; load(pong_seq) != k; i++) {
      cpu_relax();
      if (i % CHECK_EVERY == 0 && (should_end(s) || now_ns() > deadline)) goto done;
    }
    rc = method_read(m, &t1);
    if (rc != 0) break;
    {
      const int64_t tb = load_relaxed(pong_tsc);
      const int64_t b_lo = tb - int64_t(t1), b_hi = tb - int64_t(t0);
      if (n == 0 || b_hi - b_lo < hi - lo) lo = b_lo, hi = b_hi;
      n++;
    }
    if (k % CHECK_EVERY == 0 && (should_end(s) || now_ns() > deadline)) break;
  }
done:
  s[W_OFF_LO] = lo;
  s[W_OFF_HI] = hi;
  store(&s[W_OFF_SAMPLES], n);
  store(&s[W_STOP], 1);
  if (rc != 0) fail(s, rc);
  return rc;
}

}  // namespace clocklab
