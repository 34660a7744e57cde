// pvclock.h: what do the KVM pvclock records say, can a reader see one
// half-written, and what does each of the two read algorithms return?
//
// The record is struct pvclock_vcpu_time_info (arch/x86/include/asm/
// pvclock-abi.h): 32 packed bytes, version u32 @0, tsc_timestamp u64 @8,
// system_time u64 @16, tsc_to_system_mul u32 @24, tsc_shift s8 @28, flags u8
// @29. The kernel wraps each in a cache-line aligned struct
// pvclock_vsyscall_time_info (arch/x86/include/asm/pvclock.h), so records sit
// at a 64-byte stride, vCPU 0 first, in the page kvmclock registers
// (hv_clock_boot[], arch/x86/kernel/kvmclock.c) and the vDSO maps
// (vvar_vclock_fault(), arch/x86/entry/vdso/vma.c).
//
// Plain C++, no N-API. Every reader takes a base pointer, so the same code
// reads the real page or a buffer a test mutates.
#pragma once
#include <cstdint>

namespace clocklab {

struct method;  // methods.h, which includes this header

constexpr int PVCLOCK_STRIDE = 64;       // sizeof(struct pvclock_vsyscall_time_info) on x86_64
constexpr int PVCLOCK_MAX_RECORDS = 64;  // one 4 KiB page / 64 (HVC_BOOT_ARRAY_SIZE in kvmclock.c)
constexpr int PVCLOCK_PAGE_BYTES = PVCLOCK_STRIDE * PVCLOCK_MAX_RECORDS;

// Flag bits (arch/x86/include/asm/pvclock-abi.h).
constexpr uint8_t PVCLOCK_TSC_STABLE_BIT = 1u << 0;
constexpr uint8_t PVCLOCK_GUEST_STOPPED = 1u << 1;
constexpr uint8_t PVCLOCK_COUNTS_FROM_ZERO = 1u << 2;

struct pvclock_record {
  uint32_t version;
  uint64_t tsc_timestamp;
  uint64_t system_time;
  uint32_t mul;
  int8_t shift;
  uint8_t flags;
};

// Is the page at `addr` backed? Touches one byte in a forked child (see
// pvclock.cc for why a child). Returns 0 with *signal = 0 when the load
// worked, or the signal that killed the child (SIGBUS, SIGSEGV); -errno when
// the child could not be made.
int pvclock_probe(uint64_t addr, int* signal);

// ns = ((delta shifted by shift) * mul) >> 32 with a 128-bit product, as
// pvclock_scale_delta() in arch/x86/include/asm/pvclock.h.
uint64_t pvclock_scale(uint64_t delta, uint32_t mul, int8_t shift);

// The ns of a record at `tsc`: system_time + scaled (tsc - tsc_timestamp),
// as __pvclock_read_cycles() in arch/x86/include/asm/pvclock.h.
uint64_t pvclock_ns_at(const pvclock_record& r, uint64_t tsc);

// TSC kHz implied by mul/shift: (10^6 << 32) / mul, then shifted the other
// way, as pvclock_tsc_khz() in arch/x86/kernel/pvclock.c. Returns Hz with the
// fraction kept (a double), since the kernel's integer kHz drops it.
double pvclock_tsc_hz(uint32_t mul, int8_t shift);

// The first `nrecords` records, each read under the version seqlock
// (pvclock_read_begin()/pvclock_read_retry(), arch/x86/include/asm/pvclock.h),
// then vCPU 0's record again with one ordered TSC read inside its seqlock:
// *tsc is that read, and ns_at[i] what record i gives for it, so the records
// can be compared at one instant. Returns 0, or -EAGAIN with *failed the
// record whose version kept moving (odd or changed on every try).
int pvclock_read_all(const uint8_t* base, int nrecords, pvclock_record* records, uint64_t* ns_at, uint64_t* tsc,
                     int* failed);
// What pvclock_read_all executes: PVCLOCK_READ_REQUIRES (methods.h).

// The page the two read methods use; set once from TypeScript. Setting
// probes the address first and refuses (-EFAULT) a page that faults, so the
// methods never touch an unbacked page.
int pvclock_set_page(uint64_t addr);
const uint8_t* pvclock_page();

// The vDSO's algorithm (vread_pvclock(), arch/x86/include/asm/vdso/
// gettimeofday.h): vCPU 0's record, seqlock, ordered TSC. -EOPNOTSUPP when the
// stable bit is clear (the vDSO then falls back to the syscall), -ENXIO when
// no page is set.
int pvclock_vdso_read(uint64_t* ns);

// The rdtscp-based proposal: RDTSCP gives TSC and CPU together; read that
// CPU's record; retry when the version moved or tsc < tsc_timestamp. -ENXIO
// without a page, -ERANGE for a CPU past the page, -ENODATA for a CPU whose
// record was never written. The caller has checked RDTSCP.
int pvclock_rdtscp_read(uint64_t* ns);

// The tightest (smallest bracket) of `tries` triples clock, a read of the
// method `m` (inlined, with_reader()), clock (at least one): used to measure
// the offset and rate of pvclock against a Linux clock. The caller has
// prepared `m`.
struct pvclock_pair {
  int64_t before_ns;
  uint64_t value_ns;
  int64_t after_ns;
};
int pvclock_pair_read(const method& m, int clock_id, int tries, pvclock_pair* out);

// The watch loop: polls every record for `seconds`.
struct pvclock_watch_counts {
  uint64_t polls;
  uint64_t version_changes;  // even versions differing from the last even seen
  uint64_t odd_reads;        // an odd version: the host was mid-update
  uint64_t torn_reads;       // fields differed under one unchanged even version
  uint32_t first_version;
  uint32_t last_version;
};

struct pvclock_torn_event {
  int64_t mono_ns;  // CLOCK_MONOTONIC when it was seen
  int vcpu;
  uint32_t version;
  pvclock_record before;
  pvclock_record after;
};

// Returns 0; `counts` has `nrecords` entries, `events` room for
// `max_events` (extra torn reads are counted, not kept; *nevents the kept).
// A caller that names no limit keeps PVCLOCK_WATCH_EVENTS.
constexpr int PVCLOCK_WATCH_EVENTS = 1000;
int pvclock_watch(const uint8_t* base, int nrecords, double seconds, pvclock_watch_counts* counts,
                  pvclock_torn_event* events, int max_events, int* nevents);

}  // namespace clocklab
