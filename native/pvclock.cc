// pvclock.cc: what do the KVM pvclock records say, can a reader see one
// half-written, and what does each of the two read algorithms return?
// (Layout and citations in pvclock.h.)
#include "pvclock.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clocks.h"
#include "cpuid.h"
#include "methods.h"
#include "tsc.h"

namespace clocklab {

namespace {

// A compiler barrier. The kernel's readers use virt_rmb()/smp_rmb() between
// the version and the fields; on x86 that is only barrier(), because loads
// are not reordered with other loads (arch/x86/include/asm/barrier.h; Intel
// SDM Vol. 3A 9.2.2). The TSC read is ordered by RDTSCP or LFENCE instead.
inline void compiler_barrier() { __asm__ __volatile__("" ::: "memory"); }

// Relaxed atomic loads: one instruction each on x86, never split or merged by
// the compiler, and free of data races when a test thread writes the buffer.
inline uint32_t ld32(const uint8_t* p) { return __atomic_load_n(reinterpret_cast<const uint32_t*>(p), __ATOMIC_RELAXED); }
inline uint64_t ld64(const uint8_t* p) { return __atomic_load_n(reinterpret_cast<const uint64_t*>(p), __ATOMIC_RELAXED); }
inline uint8_t ld8(const uint8_t* p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }

// The fields after the version, at the offsets of pvclock-abi.h.
inline void load_fields(const uint8_t* p, pvclock_record* r) {
  r->tsc_timestamp = ld64(p + 8);
  r->system_time = ld64(p + 16);
  r->mul = ld32(p + 24);
  r->shift = int8_t(ld8(p + 28));
  r->flags = ld8(p + 29);
}

inline bool same_fields(const pvclock_record& a, const pvclock_record& b) {
  return a.tsc_timestamp == b.tsc_timestamp && a.system_time == b.system_time && a.mul == b.mul &&
         a.shift == b.shift && a.flags == b.flags;
}

// rdtsc_ordered() (arch/x86/include/asm/tsc.h) prefers RDTSCP and falls back
// to LFENCE;RDTSC; so do we, asking CPUID (through cpu_features()) each time
// so a test's mask applies.
inline uint64_t ordered_tsc() {
  uint32_t aux;
  return (cpu_features() & FEATURE_RDTSCP) ? rdtscp(&aux) : lfence_rdtsc();
}

int64_t mono_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Pure data, written once from TypeScript after a probe; the addon keeps no
// other state, so worker threads share it harmlessly.
std::atomic<const uint8_t*> page{nullptr};

// The host keeps a record's version odd only across the few stores of one
// update (kvm_setup_guest_pvclock(), arch/x86/kvm/x86.c), so a reader still
// seeing it move after this many tries faces something else (a test's buffer
// left odd, a writer that died mid-update) and gives up rather than spin.
constexpr int READ_TRIES = 1000;

// One record under the version seqlock, with an ordered TSC read inside it.
int read_record(const uint8_t* base, int index, pvclock_record* out, uint64_t* tsc) {
  const uint8_t* p = base + size_t(index) * PVCLOCK_STRIDE;
  for (int i = 0; i < READ_TRIES; i++) {
    // pvclock_read_begin(): the version with bit 0 cleared, so a read that
    // began mid-update can never match the re-read.
    uint32_t v = ld32(p) & ~1u;
    compiler_barrier();
    load_fields(p, out);
    *tsc = ordered_tsc();
    compiler_barrier();
    if (ld32(p) == v) {  // pvclock_read_retry()
      out->version = v;
      return 0;
    }
  }
  return -EAGAIN;
}

}  // namespace

// Why a forked child: a load from an unbacked vclock page raises SIGBUS
// (vvar_vclock_fault() returns VM_FAULT_SIGBUS, arch/x86/entry/vdso/vma.c),
// and user space has no other way to ask: /proc/self/mem (mem_rw(),
// fs/proc/base.c) and process_vm_readv (mm/process_vm_access.c) both go
// through get_user_pages, whose check_vma_flags() (mm/gup.c) refuses this
// VM_IO|VM_PFNMAP mapping, so they give EIO and EFAULT (seen on a 6.18 guest). A
// SIGBUS/SIGSEGV handler with sigsetjmp would be process-wide state inside a
// Node process: V8 installs its own SIGSEGV handler for WebAssembly bounds
// traps, and a fault on another thread while ours is installed would land in
// our handler. The child inherits the same mappings and the fault handler
// decides from global state (vclock_was_used()), so its fate is ours; it only
// makes async-signal-safe calls (prctl, a load, _exit), which is what POSIX
// allows after fork() in a multithreaded process, and it is made
// non-dumpable so a fault leaves no core file.
int pvclock_probe(uint64_t addr, int* signal) {
  *signal = 0;
  pid_t pid = fork();
  if (pid < 0) return -errno;
  if (pid == 0) {
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    volatile const uint8_t* p = reinterpret_cast<volatile const uint8_t*>(uintptr_t(addr));
    (void)*p;
    _exit(0);
  }
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, 0);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return -errno;
  }
  if (WIFSIGNALED(status)) *signal = WTERMSIG(status);
  else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -EIO;
  return 0;
}

uint64_t pvclock_scale(uint64_t delta, uint32_t mul, int8_t shift) {
  if (shift < 0) delta >>= -shift;
  else delta <<= shift;
  return uint64_t((unsigned __int128)delta * mul >> 32);
}

uint64_t pvclock_ns_at(const pvclock_record& r, uint64_t tsc) {
  return r.system_time + pvclock_scale(tsc - r.tsc_timestamp, r.mul, r.shift);
}

double pvclock_tsc_hz(uint32_t mul, int8_t shift) {
  if (mul == 0) return 0;
  double hz = 1e9 * 4294967296.0 / double(mul);
  return shift < 0 ? hz * double(1ull << -shift) : hz / double(1ull << shift);
}

int pvclock_read_all(const uint8_t* base, int nrecords, pvclock_record* records, uint64_t* ns_at, uint64_t* tsc,
                     int* failed) {
  for (int i = 0; i < nrecords; i++) {
    uint64_t ignored = 0;
    int rc = read_record(base, i, &records[i], &ignored);
    if (rc != 0) return *failed = i, rc;
  }
  // One TSC value for every record, read inside vCPU 0's seqlock as the
  // vDSO's reader would take it.
  pvclock_record r0;
  int rc = read_record(base, 0, &r0, tsc);
  if (rc != 0) return *failed = 0, rc;
  for (int i = 0; i < nrecords; i++) ns_at[i] = pvclock_ns_at(records[i], *tsc);
  return 0;
}

int pvclock_set_page(uint64_t addr) {
  if (addr == 0) {
    page.store(nullptr);
    return 0;
  }
  int sig = 0;
  int rc = pvclock_probe(addr, &sig);
  if (rc != 0) return rc;
  if (sig != 0) return -EFAULT;
  page.store(reinterpret_cast<const uint8_t*>(uintptr_t(addr)));
  return 0;
}

const uint8_t* pvclock_page() { return page.load(std::memory_order_relaxed); }

int pvclock_vdso_read(uint64_t* ns) {
  const uint8_t* p = pvclock_page();
  if (!p) return -ENXIO;
  uint64_t r;
  uint32_t v;
  do {
    v = ld32(p) & ~1u;
    compiler_barrier();
    // vread_pvclock() checks the stable bit inside the loop and returns
    // U64_MAX, which sends the vDSO to the clock_gettime syscall.
    if (!(ld8(p + 29) & PVCLOCK_TSC_STABLE_BIT)) return -EOPNOTSUPP;
    pvclock_record rec;
    load_fields(p, &rec);
    // As in the source of vread_pvclock() and __pvclock_read_cycles(), no
    // clamp of a negative TSC delta. (A disassembled 6.18 vDSO showed one, a
    // cmovs, whose source line we could not find; with the stable bit the
    // record dates from the master-clock snapshot, long past, so it does not
    // fire.)
    r = pvclock_ns_at(rec, ordered_tsc());
    compiler_barrier();
  } while (ld32(p) != v);
  *ns = r;
  return 0;
}

int pvclock_rdtscp_read(uint64_t* ns) {
  const uint8_t* base = pvclock_page();
  if (!base) return -ENXIO;
  for (;;) {
    uint32_t aux;
    // RDTSCP returns the TSC and TSC_AUX in one instruction, so the CPU
    // number belongs to the TSC value (unlike getcpu: the vDSO's
    // vdso_read_cpunode(), arch/x86/include/asm/segment.h, uses RDPID or LSL,
    // neither ordered against memory). Linux puts (node << 12) | cpu in TSC_AUX
    // (setup_getcpu(), arch/x86/kernel/cpu/common.c).
    uint64_t tsc = rdtscp(&aux);
    uint32_t cpu = tsc_aux_cpu(aux);
    if (cpu >= uint32_t(PVCLOCK_MAX_RECORDS)) return -ERANGE;
    const uint8_t* p = base + size_t(cpu) * PVCLOCK_STRIDE;
    uint32_t v = ld32(p);
    compiler_barrier();
    if (v & 1) continue;
    pvclock_record rec;
    load_fields(p, &rec);
    compiler_barrier();
    if (ld32(p) != v) continue;
    // A record newer than the TSC read: it was updated after RDTSCP, so the
    // delta would be negative. Read again.
    if (tsc < rec.tsc_timestamp) continue;
    if (rec.mul == 0) return -ENODATA;  // no record for this CPU (never registered)
    *ns = pvclock_ns_at(rec, tsc);
    return 0;
  }
}

int pvclock_pair_read(const method& m, int clock_id, int tries, pvclock_pair* out) {
  return with_reader(m, [&](auto read) {
    bool have = false;
    if (tries < 1) tries = 1;
    for (int i = 0; i < tries; i++) {
      pvclock_pair p{};
      int rc = clock_read(clock_id, &p.before_ns);
      if (rc == 0) rc = read(&p.value_ns);
      if (rc == 0) rc = clock_read(clock_id, &p.after_ns);
      if (rc != 0) return rc;
      if (!have || p.after_ns - p.before_ns < out->after_ns - out->before_ns) *out = p;
      have = true;
    }
    return have ? 0 : -EINVAL;
  });
}

int pvclock_watch(const uint8_t* base, int nrecords, double seconds, pvclock_watch_counts* counts,
                  pvclock_torn_event* events, int max_events, int* nevents) {
  struct last_seen {
    bool have;
    uint32_t version;
    pvclock_record rec;
  } seen[PVCLOCK_MAX_RECORDS] = {};
  if (nrecords < 1 || nrecords > PVCLOCK_MAX_RECORDS) return -EINVAL;
  *nevents = 0;
  for (int i = 0; i < nrecords; i++) counts[i] = pvclock_watch_counts{};
  const int64_t deadline = mono_ns() + int64_t(seconds * 1e9);
  auto torn = [&](int vcpu, uint32_t version, const pvclock_record& a, const pvclock_record& b) {
    counts[vcpu].torn_reads++;
    if (*nevents < max_events) events[(*nevents)++] = {mono_ns(), vcpu, version, a, b};
  };
  for (uint64_t round = 0;; round++) {
    for (int i = 0; i < nrecords; i++) {
      const uint8_t* p = base + size_t(i) * PVCLOCK_STRIDE;
      pvclock_record a, b;
      uint32_t v1 = ld32(p);
      compiler_barrier();
      load_fields(p, &a);
      compiler_barrier();
      load_fields(p, &b);
      compiler_barrier();
      uint32_t v2 = ld32(p);
      pvclock_watch_counts& c = counts[i];
      c.polls++;
      if (v1 & 1) {
        c.odd_reads++;
        continue;
      }
      // The version moved during the read: the seqlock caught an update;
      // the next poll sees the new version.
      if (v1 != v2) continue;
      a.version = b.version = v1;
      last_seen& s = seen[i];
      // Under one even version the writer must not have touched the fields
      // (kvm_setup_guest_pvclock() in arch/x86/kvm/x86.c makes the version
      // odd first). A change inside this read, or since the last read with
      // the same version, is a torn read.
      if (!same_fields(a, b)) torn(i, v1, a, b);
      else if (s.have && s.version == v1 && !same_fields(s.rec, a)) torn(i, v1, s.rec, a);
      if (!s.have) c.first_version = v1;
      else if (s.version != v1) c.version_changes++;
      c.last_version = v1;
      s = {true, v1, b};
    }
    if ((round & 63) == 0 && mono_ns() >= deadline) break;
  }
  return 0;
}

}  // namespace clocklab
