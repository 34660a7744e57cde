// cpuid.cc: what does this CPU say it can do?
#include "cpuid.h"

#include "tsc.h"

#if CLOCKLAB_X86
#include <cpuid.h>
#endif

#include <atomic>

namespace clocklab {

bool cpuid(uint32_t leaf, uint32_t subleaf, cpuid_regs* r) {
#if CLOCKLAB_X86
  __cpuid_count(leaf, subleaf, r->eax, r->ebx, r->ecx, r->edx);
  return true;
#else
  (void)leaf;
  (void)subleaf;
  *r = {0, 0, 0, 0};
  return false;
#endif
}

static uint32_t detect() {
  uint32_t f = 0;
  cpuid_regs r{};
  if (!cpuid(0, 0, &r)) return 0;
  uint32_t max_basic = r.eax;
  cpuid(1, 0, &r);
  if (r.edx & (1u << 26)) f |= FEATURE_SSE2;
  if (max_basic >= 7) {
    cpuid(7, 0, &r);
    if (r.ecx & (1u << 22)) f |= FEATURE_RDPID;
  }
  cpuid(0x80000000u, 0, &r);
  if (r.eax >= 0x80000001u) {
    cpuid(0x80000001u, 0, &r);
    if (r.edx & (1u << 27)) f |= FEATURE_RDTSCP;
  }
  return f;
}

// Pure data, shared by every Node environment (main thread and workers).
static const uint32_t detected = detect();
static std::atomic<uint32_t> masked{0};

uint32_t cpu_features() { return detected & ~masked.load(std::memory_order_relaxed); }

void mask_cpu_features(uint32_t mask) { masked.store(mask, std::memory_order_relaxed); }

const char* feature_cpuid_bit(feature f) {
  for (const feature_info& i : feature_table)
    if (i.bit == f) return i.cpuid_bit;
  return "?";
}

lack cpu_lacks(const requirement& r, feature* missing) {
  if (r.x86 && !CLOCKLAB_X86) return LACKS_X86;
  uint32_t absent = r.features & ~cpu_features();
  if (absent == 0) return LACKS_NOTHING;
  *missing = feature(absent & -absent);
  return LACKS_FEATURE;
}

}  // namespace clocklab
