// offsets.cc: by how much do two CPUs' counters disagree, bracketed by a
// ping-pong over one cache line?
#include "offsets.h"

#include <cerrno>

namespace clocklab {

namespace {

// How often a waiting side looks at the clock and the control words.
constexpr uint64_t CHECK_EVERY = 256;

// The offset between two CPUs' counters, bracketed as TSC sync checkers do:
// the pinger reads t0, publishes a sequence number, and waits for the answer;
// the answerer, on seeing it, reads tB and publishes it; the pinger reads t1.
// The answerer's read happened after the pinger's t0 and before its t1 (the
// reads are ordered against the loads and stores around them: RDTSCP waits
// for earlier loads, Intel SDM Vol. 2B RDTSCP; LFENCE;RDTSC likewise), so
//   t0 <= tB - offset <= t1,  i.e.  offset in [tB - t1, tB - t0],
// where offset = TSC(answerer) - TSC(pinger) at one instant. The narrowest
// bracket over all round trips is kept.
template <typename Read>
int ping(int64_t* s, Read read, bool pinger, int64_t samples, int64_t budget_ns) {
  int rc = harness_barrier(s, 2);
  if (rc != 0) return rc == -ECANCELED ? 0 : (harness_fail(s, rc), rc);
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
        rc = read(&t);
        if (rc != 0) return harness_fail(s, rc), rc;
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
    rc = read(&t0);
    if (rc != 0) break;
    store(seq, k);
    for (uint64_t i = 0; load(pong_seq) != k; i++) {
      cpu_relax();
      if (i % CHECK_EVERY == 0 && (should_end(s) || now_ns() > deadline)) goto done;
    }
    rc = read(&t1);
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
  if (rc != 0) harness_fail(s, rc);
  return rc;
}

}  // namespace

int offset_ping(int64_t* s, const method& m, bool pinger, int64_t samples, int64_t budget_ns) {
  return with_reader(m, [&](auto read) { return ping(s, read, pinger, samples, budget_ns); });
}

}  // namespace clocklab
