// rate.c: how fast does the TSC tick against CLOCK_MONOTONIC_RAW on one CPU?
// The plain way, for bench/tsc-rate.ts to set clocklab's measurement beside:
// pin to the CPU, take the narrowest of 2000 bracketed samples (ordered TSC
// read, clock_gettime, ordered TSC read) now and again after SECONDS, and
// divide. The ordered read is RDTSCP where CPUID.80000001H:EDX[27] offers it,
// else LFENCE;RDTSC (Intel SDM Vol. 2B, RDTSC and RDTSCP).
//
//   rate CPU SECONDS   ->   "rate 2096.025000123 MHz +- 0.000012 MHz"
#define _GNU_SOURCE
#include <cpuid.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int use_rdtscp;

static inline uint64_t ordered(void) {
  uint32_t lo, hi, c;
  if (use_rdtscp) {
    __asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
  } else {
    __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  }
  return ((uint64_t)hi << 32) | lo;
}

struct sample {
  uint64_t before, after;
  int64_t ns;
};

static struct sample narrowest(int tries) {
  struct sample best = {0, UINT64_MAX, 0};
  for (int i = 0; i < tries; i++) {
    struct timespec ts;
    uint64_t a = ordered();
    __asm__ __volatile__("lfence" : : : "memory");
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    uint64_t b = ordered();
    if (b - a < best.after - best.before) {
      best.before = a;
      best.after = b;
      best.ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
  }
  return best;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: rate CPU SECONDS\n");
    return 2;
  }
  unsigned a, b, c, d;
  use_rdtscp = __get_cpuid(0x80000001u, &a, &b, &c, &d) && (d & (1u << 27));
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(atoi(argv[1]), &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    perror("sched_setaffinity");
    return 1;
  }
  double seconds = atof(argv[2]);
  struct sample s0 = narrowest(2000);
  usleep((useconds_t)(seconds * 1e6));
  struct sample s1 = narrowest(2000);
  double dns = (double)(s1.ns - s0.ns);
  double dmid = ((double)(s1.before - s0.before) + (double)(s1.after - s0.after)) / 2;
  // The bound: each middle is within half its bracket of the TSC at the read.
  double half = ((double)(s0.after - s0.before) + (double)(s1.after - s1.before)) / 2;
  printf("rate %.9f MHz +- %.9f MHz (%s)\n", dmid / dns * 1e3, half / dns * 1e3, use_rdtscp ? "rdtscp" : "lfence_rdtsc");
  return 0;
}
