// warp.cc: does a way of reading time ever go backwards when read by several
// CPUs in turn?
//
// The check descends from the kernel's own TSC sync test
// (arch/x86/kernel/tsc_sync.c, check_tsc_warp()): CPUs read in turn, each
// comparing with the last value another CPU stored; the turn is a baton, not
// a lock (see warp_loop() for why). Any method is read through with_reader()
// (methods.h), inlined into the loop, so every registered method is
// warp-checkable without touching this file.
#include "warp.h"

#include <cerrno>

namespace clocklab {

namespace {

// How often a thread looks at the clock and the control words: rarely
// enough that the check costs nothing beside the lock round trip, often
// enough that a stop or an abort lands within microseconds.
constexpr uint64_t CHECK_EVERY = 256;

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

// One thread's tallies, kept in its own memory during the run (no shared
// line is written but the baton's) and merged into the state at the end.
struct tally {
  uint64_t handoffs[WARP_MAX_SLOTS] = {};  // by the slot that stored prev
  uint64_t warps[WARP_MAX_SLOTS] = {};
  uint64_t largest[WARP_MAX_SLOTS] = {};
  uint64_t min_gap[WARP_MAX_SLOTS];
  uint64_t gaps[WARP_GAP_BUCKETS] = {};
  uint64_t best = 0, best_before = 0, best_after = 0;
  int64_t best_from = -1;
  tally() {
    for (auto& g : min_gap) g = UINT64_MAX;
  }
};

int log2_bucket(uint64_t x) { return x == 0 ? 0 : 63 - __builtin_clzll(x); }

void merge(int64_t* s, const tally& t, int slot, int slots) {
  for (int from = 0; from < slots; from++) {
    int64_t* pair = &s[W_PAIRS + (size_t(from) * WARP_MAX_SLOTS + size_t(slot)) * WP_WORDS];
    pair[WP_WARPS] = int64_t(t.warps[from]);
    pair[WP_LARGEST] = int64_t(t.largest[from]);
    pair[WP_HANDOFFS] = int64_t(t.handoffs[from]);
    pair[WP_MIN_GAP] = t.min_gap[from] == UINT64_MAX ? -1 : int64_t(t.min_gap[from]);
  }
  int64_t* gaps = &s[W_GAPS + size_t(slot) * WARP_GAP_BUCKETS];
  for (size_t b = 0; b < WARP_GAP_BUCKETS; b++) gaps[b] = int64_t(t.gaps[b]);
  // The run-wide count and largest warp: every thread adds its own, one at
  // a time (the baton is no longer passed, so W_LOCK is free for this).
  lock(&s[W_LOCK]);
  uint64_t warps = 0;
  for (int from = 0; from < slots; from++) warps += t.warps[from];
  s[W_WARPS] += int64_t(warps);
  if (t.best_from >= 0 && t.best > uint64_t(s[W_MAX_AMOUNT])) {
    s[W_MAX_AMOUNT] = int64_t(t.best);
    s[W_MAX_BEFORE] = int64_t(t.best_before);
    s[W_MAX_AFTER] = int64_t(t.best_after);
    s[W_MAX_FROM] = t.best_from;
    s[W_MAX_TO] = slot;
  }
  unlock(&s[W_LOCK]);
}

// The loop, with the read inlined. `read` returns 0 or -errno.
//
// Why a baton and not the lock of check_tsc_warp(): measured on the 2-vCPU
// guest this was written on (a throwaway C program, 2 s per variant, plain
// RDTSC), the kernel-style loop clocklab had (test-and-test-and-set lock,
// read, compare, store, release) compared a CPU with another CPU in only 21%
// of its reads: the releasing CPU still holds the line and takes the lock
// straight back. Google's time_test hands over in 61-66% because it pauses
// after each release and spins with PAUSE;LOCK BTS, and it stores a second
// read taken just before the release, so the stored value is as late as it
// can be. Yet neither found a warp there, while a baton found plain RDTSC
// going backwards 70,919 times (worst 304 cycles) at 8.1 million hand-offs
// per second: with a lock the next reader's read comes after a locked
// read-modify-write, which on that CPU held even plain RDTSC back; the
// question is whether a read is ordered like a load, so here it comes after
// nothing but the load that sees the baton.
//
// So: the thread whose turn it is reads, loads the last value and its slot,
// stores its own read and passes the baton to another slot (every read is
// then a hand-off, and with more than two CPUs a pseudo-random next slot
// reaches every pair). The stored value is the read itself, followed only by
// one load and three stores to the line this CPU holds, so nothing but the
// hand-over separates it from the next CPU's read. The comparison and the
// tallies run after the baton is passed, in this thread's own memory. The
// wait spins on a plain load without PAUSE: under KVM a PAUSE loop past the
// pause-loop-exit window traps to the host and deschedules the vCPU.
template <typename Read>
int warp_loop(const warp_job& job, Read read) {
  int64_t* s = job.state;
  int64_t* mine = &s[W_SLOTS + size_t(job.slot) * WARP_LINE_WORDS];
  int rc = harness_barrier(s, job.slots);
  if (rc != 0) {
    store(&mine[WS_DONE], 1);
    return rc == -ECANCELED ? 0 : (harness_fail(s, rc), rc);
  }
  const int64_t deadline = now_ns() + job.duration_ns;
  auto* t = new tally();
  uint64_t reads = 0, handoffs = 0;
  uint64_t rng = 0x9e3779b97f4a7c15ULL * uint64_t(job.slot + 1);
  int64_t* turn = &s[W_TURN];
  for (;;) {
    // Wait for the baton (slot 0 holds it first: the state starts zeroed).
    bool ended = false;
    for (uint64_t i = 1; load(turn) != job.slot; i++) {
      if ((i & 1023) == 0) {
        if (should_end(s)) { ended = true; break; }
        if ((i & 0xfffff) == 0 && now_ns() >= deadline) {
          store(&s[W_STOP], 1);
          ended = true;
          break;
        }
      }
    }
    if (ended) break;
    uint64_t v = 0;
    rc = read(&v);
    if (rc != 0) {
      harness_fail(s, rc);
      break;
    }
    const uint64_t prev = uint64_t(s[W_LAST]);
    const int64_t prev_tag = s[W_LAST_SLOT];
    s[W_LAST] = int64_t(v);
    s[W_LAST_SLOT] = job.slot + 1;
    int next = job.slot;
    if (job.slots > 1) {
      rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
      next = job.slots == 2 ? 1 - job.slot : int(rng % uint64_t(job.slots - 1));
      if (job.slots > 2 && next >= job.slot) next++;
    }
    store(turn, next);
    reads++;
    const int64_t from = prev_tag - 1;
    if (from >= 0 && from != job.slot) {
      handoffs++;
      t->handoffs[from]++;
      if (v < prev) {
        const uint64_t amount = prev - v;
        t->warps[from]++;
        if (amount > t->largest[from]) t->largest[from] = amount;
        if (amount > t->best || t->best_from < 0) {
          t->best = amount, t->best_before = prev, t->best_after = v, t->best_from = from;
        }
      } else {
        const uint64_t gap = v - prev;
        t->gaps[log2_bucket(gap)]++;
        if (gap < t->min_gap[from]) t->min_gap[from] = gap;
      }
    } else if (from >= 0 && v < prev) {
      // The same CPU read lower than its own last read (one CPU checked):
      // a warp of one CPU, reported as the pair (cpu, cpu).
      const uint64_t amount = prev - v;
      t->warps[from]++;
      if (amount > t->largest[from]) t->largest[from] = amount;
      if (amount > t->best || t->best_from < 0) {
        t->best = amount, t->best_before = prev, t->best_after = v, t->best_from = from;
      }
    }
    if (reads % CHECK_EVERY == 0) {
      store_relaxed(&mine[WS_READS], int64_t(reads));
      store_relaxed(&mine[WS_HANDOFFS], int64_t(handoffs));
      if (should_end(s)) break;
      if (now_ns() >= deadline) {
        store(&s[W_STOP], 1);
        break;
      }
    }
  }
  merge(s, *t, job.slot, job.slots);
  delete t;
  store_relaxed(&mine[WS_READS], int64_t(reads));
  store_relaxed(&mine[WS_HANDOFFS], int64_t(handoffs));
  store(&mine[WS_DONE], 1);
  return rc;
}

}  // namespace

int warp_run(const warp_job& job) {
  return with_reader(*job.m, [&job](auto read) { return warp_loop(job, read); });
}

int warp_run_threads(int64_t* state, const method& m, const std::vector<int>& cpus, int64_t duration_ns) {
  const int n = int(cpus.size());
  if (n < 1 || n > WARP_MAX_SLOTS) return -EINVAL;
  return run_pinned_threads(state, cpus, [&](int slot) { return warp_run({state, &m, slot, n, duration_ns}); });
}

}  // namespace clocklab
