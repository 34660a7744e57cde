// harness.cc: how do threads pinned to CPUs, sharing one state, start
// together, stop together and report the first error?
#include "harness.h"

#include <cerrno>
#include <ctime>
#include <system_error>
#include <thread>

#include "pin.h"

namespace clocklab {

namespace {

// How often the barrier looks at the clock and the abort word.
constexpr uint64_t CHECK_EVERY = 256;
constexpr int64_t BARRIER_TIMEOUT_NS = 30LL * 1000000000;

}  // namespace

void harness_fail(int64_t* s, int rc) {
  int64_t zero = 0;
  __atomic_compare_exchange_n(&s[H_ERROR], &zero, int64_t(rc), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  store(&s[H_ABORT], 1);
}

int harness_barrier(int64_t* s, int slots) {
  __atomic_fetch_add(&s[H_ARRIVED], 1, __ATOMIC_ACQ_REL);
  int64_t give_up = now_ns() + BARRIER_TIMEOUT_NS;
  for (uint64_t i = 0; load(&s[H_ARRIVED]) < slots; i++) {
    cpu_relax();
    if (i % CHECK_EVERY == 0) {
      if (load_relaxed(&s[H_ABORT]) != 0) return -ECANCELED;
      if (now_ns() > give_up) return -ETIMEDOUT;
    }
  }
  return 0;
}

size_t state_base_index(const void* data) {
  uintptr_t p = uintptr_t(data);
  return size_t(((p + 63) & ~uintptr_t(63)) - p) / 8;
}

int run_pinned_threads(int64_t* state, const std::vector<int>& cpus, const std::function<int(int slot)>& job) {
  const int n = int(cpus.size());
  std::vector<int> rcs(size_t(n), 0);
  std::vector<std::thread> threads;
  threads.reserve(size_t(n));
  int rc = 0;
  try {
    for (int i = 0; i < n; i++) {
      threads.emplace_back([&, i] {
        int r = pin_to_cpu(cpus[size_t(i)]);
        uint32_t here = 0, node = 0;
        if (r == 0) r = get_cpu(&here, &node);
        if (r == 0 && int(here) != cpus[size_t(i)]) r = -EINVAL;
        // A thread that could not pin stops the others at the start barrier.
        rcs[size_t(i)] = r != 0 ? (harness_fail(state, r), r) : job(i);
      });
    }
  } catch (const std::system_error&) {
    // No thread to be had: the ones started stop at the barrier.
    harness_fail(state, -EAGAIN);
    rc = -EAGAIN;
  }
  for (auto& t : threads) t.join();
  for (int r : rcs)
    if (rc == 0 && r != 0) rc = r;
  return rc;
}

}  // namespace clocklab
