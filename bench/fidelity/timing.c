/* timing.c: what does one read cost when a plain C program times it, the way
 * the timing_test of the 2014 "Cleaning up the KVM clock" thread did?
 *
 * The reference clocklab's native loops are checked against (bench/fidelity/
 * run.ts): CLOCK_MONOTONIC around a loop of N reads whose results are thrown
 * away, and timing_test's line: "%d loops in %.5fs = %.2f nsec / loop".
 * Written on its own (own inline asm, no clocklab header) so it shares no code
 * with what it checks.
 *
 * usage: timing METHOD LOOPS CPU
 *   METHOD: rdtsc rdtscp lfence_rdtsc mfence_rdtsc monotonic realtime gettimeofday
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* RDTSC, RDTSCP (Intel SDM Vol. 2B) and the fenced forms; volatile, so the
 * compiler keeps every read although the result is unused. */
static inline void do_rdtsc(void) {
  unsigned lo, hi;
  __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
}
static inline void do_rdtscp(void) {
  unsigned lo, hi, aux;
  __asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
}
static inline void do_lfence_rdtsc(void) {
  unsigned lo, hi;
  __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
}
static inline void do_mfence_rdtsc(void) {
  unsigned lo, hi;
  __asm__ __volatile__("mfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
}

#define LOOP(body)                          \
  for (long i = 0; i < loops; i++) { body; }

static int run(const char *m, long loops) {
  struct timespec ts;
  struct timeval tv;
  if (!strcmp(m, "rdtsc")) LOOP(do_rdtsc())
  else if (!strcmp(m, "rdtscp")) LOOP(do_rdtscp())
  else if (!strcmp(m, "lfence_rdtsc")) LOOP(do_lfence_rdtsc())
  else if (!strcmp(m, "mfence_rdtsc")) LOOP(do_mfence_rdtsc())
  else if (!strcmp(m, "monotonic")) LOOP(clock_gettime(CLOCK_MONOTONIC, &ts))
  else if (!strcmp(m, "realtime")) LOOP(clock_gettime(CLOCK_REALTIME, &ts))
  else if (!strcmp(m, "gettimeofday")) LOOP(gettimeofday(&tv, NULL))
  else return -1;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s METHOD LOOPS CPU\n", argv[0]);
    return 2;
  }
  const char *method = argv[1];
  long loops = atol(argv[2]);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(atoi(argv[3]), &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    perror("sched_setaffinity");
    return 3;
  }
  /* A short untimed pass first, as clocklab's warm-up run. */
  if (run(method, loops / 10 + 1) != 0) {
    fprintf(stderr, "unknown method %s\n", method);
    return 2;
  }
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  run(method, loops);
  clock_gettime(CLOCK_MONOTONIC, &end);
  double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
  printf("%ld loops in %.5fs = %.2f nsec / loop\n", loops, ns / 1e9, ns / loops);
  return 0;
}
