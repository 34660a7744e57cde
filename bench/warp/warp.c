/* warp.c: how fast can a plain C program run the warp check that
 * `clocklab warp` runs? The reference for bench/warp/run.ts.
 *
 * The same design as native/warp.cc, written without clocklab's code: one
 * thread per CPU, pinned; a start barrier; each iteration waits for the
 * thread's turn (a baton word, spun on without PAUSE), reads LFENCE;RDTSC,
 * loads the last value, stores its own, passes the baton to the other
 * thread, then compares. Every 256 iterations a thread checks
 * CLOCK_MONOTONIC against its deadline; a waiting thread checks the stop
 * word every 1024 spins.
 *
 * usage: warp CPU_A CPU_B SECONDS   prints one JSON line.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <immintrin.h>

#define LINE 64
#define CHECK_EVERY 256

static struct {
  _Alignas(LINE) volatile int64_t turn;
  uint64_t last;
  int64_t last_cpu;
  uint64_t warps;
  uint64_t max_warp;
} shared = {0, 0, -1, 0, 0};

static _Alignas(LINE) volatile int64_t arrived;
static _Alignas(LINE) volatile int64_t stop;

struct thread_arg {
  _Alignas(LINE) int cpu;
  int slot;
  int64_t ns;
  uint64_t reads;
};

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline uint64_t lfence_rdtsc(void) {
  uint32_t lo, hi;
  __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  return ((uint64_t)hi << 32) | lo;
}

static void *run(void *p) {
  struct thread_arg *a = p;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(a->cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
    perror("pthread_setaffinity_np");
    exit(3);
  }
  __atomic_fetch_add(&arrived, 1, __ATOMIC_ACQ_REL);
  while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < 2) _mm_pause();
  int64_t deadline = now_ns() + a->ns;
  uint64_t reads = 0;
  for (;;) {
    if (reads % CHECK_EVERY == 0) {
      if (__atomic_load_n(&stop, __ATOMIC_RELAXED)) break;
      if (now_ns() >= deadline) {
        __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
        break;
      }
    }
    int ended = 0;
    for (uint64_t i = 1; __atomic_load_n(&shared.turn, __ATOMIC_ACQUIRE) != a->slot; i++) {
      if ((i & 1023) == 0 && __atomic_load_n(&stop, __ATOMIC_RELAXED)) { ended = 1; break; }
    }
    if (ended) break;
    uint64_t v = lfence_rdtsc();
    uint64_t prev = shared.last;
    int64_t prev_cpu = shared.last_cpu;
    shared.last = v;
    shared.last_cpu = a->cpu;
    __atomic_store_n(&shared.turn, 1 - a->slot, __ATOMIC_RELEASE);
    if (prev_cpu >= 0 && v < prev) {
      __atomic_fetch_add(&shared.warps, 1, __ATOMIC_RELAXED);
      if (prev - v > shared.max_warp) shared.max_warp = prev - v;
    }
    reads++;
  }
  a->reads = reads;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s CPU_A CPU_B SECONDS\n", argv[0]);
    return 2;
  }
  struct thread_arg args[2];
  pthread_t threads[2];
  int64_t ns = (int64_t)(atof(argv[3]) * 1e9);
  int64_t t0 = now_ns();
  for (int i = 0; i < 2; i++) {
    args[i].cpu = atoi(argv[1 + i]);
    args[i].slot = i;
    args[i].ns = ns;
    args[i].reads = 0;
    pthread_create(&threads[i], NULL, run, &args[i]);
  }
  for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
  double seconds = (now_ns() - t0) / 1e9;
  printf("{\"reads\":[%llu,%llu],\"seconds\":%.6f,\"warps\":%llu,\"maxWarp\":%llu}\n",
         (unsigned long long)args[0].reads, (unsigned long long)args[1].reads, seconds,
         (unsigned long long)shared.warps, (unsigned long long)shared.max_warp);
  return 0;
}
