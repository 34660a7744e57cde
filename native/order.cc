// order.cc: is a clock read ordered after an earlier load, or after an
// earlier store, as an ordinary memory access would be?
//
// Each test is built so that only the side under test can produce a
// violation; the other side is ordered by construction, and says how below.
// Any TSC offset between the two CPUs also shows as a "violation" up to its
// size: the observer counts violations beyond the bound it is given
// (O_BOUND, the pair's offset bound that src/runners/order.ts measured).
#include "order.h"

#include <cerrno>

#if CLOCKLAB_X86
#include <immintrin.h>
#define lfence() _mm_lfence()
#else
#define lfence() ((void)0)
#endif

namespace clocklab {

namespace {

constexpr uint64_t CHECK_EVERY = 256;

// Keeps the compiler from moving memory accesses across it; the CPU may.
void compiler_barrier() { __asm__ __volatile__("" ::: "memory"); }

struct counts {
  uint64_t samples = 0, violations = 0, beyond = 0, worst = 0, worst_observer = 0, worst_other = 0;
  void see(uint64_t observer, uint64_t other, uint64_t amount, uint64_t bound) {
    samples++;
    if (amount == 0) return;
    violations++;
    if (amount > bound) beyond++;
    if (amount > worst) worst = amount, worst_observer = observer, worst_other = other;
  }
};

// load -> read, message passing. The publisher reads its clock and stores
// the value: the store's data is the read's result, so the value cannot be
// stored before it was read, whatever the method. The observer loads the
// value and then reads its own clock: if its read is ordered like a load,
// it comes after the load, hence after the publisher's read, and is not
// lower. A lower read ran ahead of the load: the side under test alone.
// The self-test's wrong order reads first, then (behind LFENCE, so the read
// surely comes first) loads: lower reads must show.
template <typename Read>
int load_read(const order_job& job, Read read, counts* c, uint64_t* published) {
  int64_t* s = job.state;
  int64_t* pub = &s[O_PUB];
  const uint64_t bound = uint64_t(s[O_BOUND]);
  const int64_t deadline = now_ns() + job.duration_ns;
  for (uint64_t i = 1;; i++) {
    uint64_t v = 0, p = 0;
    int rc = 0;
    if (!job.observer) {
      rc = read(&v);
      store(pub, int64_t(v));
      (*published)++;
    } else if (!job.wrong_order) {
      p = uint64_t(load(pub));
      compiler_barrier();
      rc = read(&v);
      if (p != 0) c->see(v, p, v < p ? p - v : 0, bound);
    } else {
      rc = read(&v);
      lfence();
      p = uint64_t(load(pub));
      if (p != 0) c->see(v, p, v < p ? p - v : 0, bound);
    }
    if (rc != 0) return rc;
    if (i % CHECK_EVERY == 0) {
      if (should_end(s)) return 0;
      if (job.observer && now_ns() >= deadline) {
        store(&s[W_STOP], 1);
        return 0;
      }
    }
  }
}

// store -> read, store buffering. The storer stores sequence number k, then
// reads its clock (t_k), then files t_k under k in a ring. The observer
// reads its clock (v), then LFENCE (the SDM's way to hold later
// instructions, loads included, until the read is done), then loads the
// sequence number s: store s+1 was not yet visible at that load, which came
// after v. If the storer's read waits until its store is globally visible,
// t_(s+1) comes after that, so after v: t_(s+1) < v is a read that claims a
// time at which its own earlier store was not yet visible. The observer's
// side is fenced, so only the storer's read can cause one. The self-test's
// wrong order reads before the store.
template <typename Read>
int store_read(const order_job& job, Read read, counts* c, uint64_t* published) {
  int64_t* s = job.state;
  int64_t* seq = &s[O_SEQ];
  int64_t* ring = &s[O_RING];
  const uint64_t bound = uint64_t(s[O_BOUND]);
  const int64_t deadline = now_ns() + job.duration_ns;
  if (!job.observer) {
    for (int64_t k = 1;; k++) {
      uint64_t t = 0;
      int rc;
      if (!job.wrong_order) {
        __atomic_store_n(seq, k, __ATOMIC_RELAXED);
        compiler_barrier();
        rc = read(&t);
      } else {
        rc = read(&t);
        lfence();
        __atomic_store_n(seq, k, __ATOMIC_RELAXED);
      }
      if (rc != 0) return rc;
      int64_t* slot = &ring[2 * (size_t(k) % ORDER_RING)];
      // The value first, then its number: an observer that sees the number
      // before and after reading the value has a value of that number.
      __atomic_store_n(&slot[1], int64_t(t), __ATOMIC_RELAXED);
      store(&slot[0], k);
      (*published)++;
      if (k % int64_t(CHECK_EVERY) == 0 && should_end(s)) return 0;
    }
  }
  for (uint64_t i = 1;; i++) {
    uint64_t v = 0;
    int rc = read(&v);
    if (rc != 0) return rc;
    lfence();
    const int64_t want = load(seq) + 1;
    int64_t* slot = &ring[2 * (size_t(want) % ORDER_RING)];
    for (uint64_t j = 1; load(&slot[0]) < want; j++) {
      if (j % (64 * CHECK_EVERY) == 0 && should_end(s)) return 0;
    }
    const int64_t k1 = load(&slot[0]);
    const uint64_t t = uint64_t(load(&slot[1]));
    const int64_t k2 = load(&slot[0]);
    // Overwritten by a later lap of the ring: not a sample.
    if (k1 == want && k2 == want) c->see(v, t, t < v ? v - t : 0, bound);
    if (i % CHECK_EVERY == 0) {
      if (should_end(s)) return 0;
      if (now_ns() >= deadline) {
        store(&s[W_STOP], 1);
        return 0;
      }
    }
  }
}

template <typename Read>
int order_loop(const order_job& job, Read read) {
  int64_t* s = job.state;
  int rc = harness_barrier(s, 2);
  if (rc != 0) return rc == -ECANCELED ? 0 : (harness_fail(s, rc), rc);
  counts c;
  uint64_t published = 0;
  rc = job.pattern == P_LOAD_READ ? load_read(job, read, &c, &published) : store_read(job, read, &c, &published);
  if (rc != 0) {
    harness_fail(s, rc);
    return rc;
  }
  if (job.observer) {
    s[O_SAMPLES] = int64_t(c.samples);
    s[O_VIOLATIONS] = int64_t(c.violations);
    s[O_BEYOND] = int64_t(c.beyond);
    s[O_WORST] = int64_t(c.worst);
    s[O_WORST_OBSERVER] = int64_t(c.worst_observer);
    s[O_WORST_OTHER] = int64_t(c.worst_other);
  } else {
    store(&s[O_PUBLISHED], int64_t(published));
  }
  return 0;
}

}  // namespace

// Each method's read inlined (with_reader(), methods.h), as in warp.cc.
int order_run(const order_job& job) {
  return with_reader(*job.m, [&job](auto read) { return order_loop(job, read); });
}

}  // namespace clocklab
