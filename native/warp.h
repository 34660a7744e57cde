// warp.h: does a way of reading time ever go backwards when read by several
// CPUs in turn?
//
// Plain C++, no N-API. The shared state lives in memory the caller owns (a
// SharedArrayBuffer that every worker hands down); this header owns its
// layout, in 64-bit words from the first 64-byte-aligned word of that memory
// (state_base_index(), harness.h), but for the control line, which is the
// harness's. The offset ping-pong (offsets.h) and the order litmus tests
// (order.h) run on the same state.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "harness.h"
#include "methods.h"

namespace clocklab {

// CPUs are numbered by slot (0..slots-1) here; the caller maps slots to CPUs.
constexpr int WARP_MAX_SLOTS = 256;
constexpr size_t WARP_LINE_WORDS = 8;  // one 64-byte cache line

// Word offsets from the aligned base. The lock, the last value and the CPU
// that stored it share line 0: every iteration touches all three under the
// lock, so one line moves between CPUs per iteration, not three (the kernel's
// struct of tsc_sync.c does the same for the same reason).
enum warp_word : size_t {
  W_LOCK = 0,       // guards the merge of the per-thread tallies at the end
  W_LAST = 1,       // the last value stored, as uint64
  W_LAST_SLOT = 2,  // the slot that stored it, plus one; 0 before the first store
  W_WARPS = 3,      // warps seen, all pairs
  W_TURN = 4,       // the baton: the slot whose turn it is to read
  // line 1: the largest warp, written only on a warp
  W_MAX_AMOUNT = 8,
  W_MAX_BEFORE = 9,
  W_MAX_AFTER = 10,
  W_MAX_FROM = 11,
  W_MAX_TO = 12,
  // line 2: the harness's control line (harness.h)
  W_ARRIVED = H_ARRIVED,
  W_STOP = H_STOP,
  W_ABORT = H_ABORT,
  W_ERROR = H_ERROR,
  // line 3: the ping-pong of the offset estimate (offsets.h), alone on its line
  W_PING_SEQ = 24,
  W_PONG_SEQ = 25,
  W_PONG_TSC = 26,
  // line 4: the offset result, written by the pinging side
  W_OFF_LO = 32,       // the narrowest bracket: offset in [lo, hi]
  W_OFF_HI = 33,
  W_OFF_SAMPLES = 34,
  // from line 5: one line per slot, then the pair matrix
  W_SLOTS = 40,
};
// Per-slot line: reads done and cross-CPU hand-offs (updated every few
// hundred iterations for progress, exact at the end) and whether the slot
// has finished.
constexpr size_t WS_READS = 0;
constexpr size_t WS_DONE = 1;
constexpr size_t WS_HANDOFFS = 2;
constexpr size_t W_PAIRS = W_SLOTS + WARP_MAX_SLOTS * WARP_LINE_WORDS;
// Pair (from, to), written once at the end by `to`: the warp count, the
// largest warp, the hand-offs (reads by `to` whose previous value `from`
// stored) and the smallest forward step of those hand-offs (-1 if none).
constexpr size_t WP_WORDS = 4;
constexpr size_t WP_WARPS = 0;
constexpr size_t WP_LARGEST = 1;
constexpr size_t WP_HANDOFFS = 2;
constexpr size_t WP_MIN_GAP = 3;
// Per slot, the forward steps of its cross-CPU hand-offs by power of two:
// bucket b counts steps in [2^b, 2^(b+1)), bucket 0 also steps of 0.
constexpr size_t WARP_GAP_BUCKETS = 64;
constexpr size_t W_GAPS = W_PAIRS + size_t(WARP_MAX_SLOTS) * WARP_MAX_SLOTS * WP_WORDS;
constexpr size_t WARP_STATE_WORDS = W_GAPS + size_t(WARP_MAX_SLOTS) * WARP_GAP_BUCKETS;
// What JS allocates: the words plus one line of slack for the alignment,
// since a SharedArrayBuffer's backing store is only 16-byte aligned.
constexpr size_t WARP_STATE_BYTES = WARP_STATE_WORDS * 8 + 64;

struct warp_job {
  int64_t* state;     // the aligned base
  const method* m;
  int slot;
  int slots;
  int64_t duration_ns;
};

// Runs the warp check on the calling thread (already pinned) until the
// deadline, the stop flag or the abort flag. Returns 0 or -errno.
int warp_run(const warp_job& job);

// The warp check with every slot on a native thread of its own
// (run_pinned_threads(), harness.h). Returns 0 or the first -errno.
int warp_run_threads(int64_t* state, const method& m, const std::vector<int>& cpus, int64_t duration_ns);

}  // namespace clocklab
