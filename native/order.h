// order.h: is a clock read ordered after an earlier load, or after an
// earlier store, as an ordinary memory access would be? Two pinned threads,
// one cache line, a litmus test each.
//
// Plain C++, no N-API, no policy: the loops count; src/runners/order.ts
// judges. The state is a warp state (warp.h) under the two-thread harness
// (harness.h: its start barrier and control words), the words below for the
// rest.
#pragma once
#include <cstdint>

#include "methods.h"
#include "warp.h"

namespace clocklab {

enum order_pattern : int {
  P_LOAD_READ = 0,   // message passing: load a published value, then read
  P_STORE_READ = 1,  // store buffering: store a sequence number, then read
};

enum order_word : size_t {
  O_PUB = 0,    // load -> read: the value the publisher read and stored (line 0)
  O_SEQ = 8,    // store -> read: the storer's sequence number (line 1)
  // line 3: what the observer counted, written at its end
  O_SAMPLES = 24,
  O_VIOLATIONS = 25,  // reads out of order by any amount
  O_BEYOND = 26,      // ... by more than O_BOUND
  O_WORST = 27,       // the largest amount, in the method's unit
  O_WORST_OBSERVER = 28,  // the observer's value of the worst sample
  O_WORST_OTHER = 29,     // the other side's value it was compared with
  O_BOUND = 30,       // input: the pair's offset bound, in the method's unit
  O_PUBLISHED = 31,   // the publisher's or storer's iterations
  // from line 8: the storer's reads by sequence number, a ring of pairs
  O_RING = 64,
};
constexpr size_t ORDER_RING = 4096;
static_assert(O_RING + 2 * ORDER_RING <= WARP_STATE_WORDS, "the ring fits in a warp state");

struct order_job {
  int64_t* state;  // the aligned base
  const method* m;
  order_pattern pattern;
  bool observer;  // the side that counts; the other publishes or stores
  bool wrong_order;  // the self-test: the side under test reads first
  int64_t duration_ns;
};

// Runs one side of one litmus test until the observer's deadline or an
// abort. Returns 0 or -errno.
int order_run(const order_job& job);

}  // namespace clocklab
