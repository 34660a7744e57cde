// cpuid.h: what does this CPU say it can do?
#pragma once
#include <cstdint>

#include "tsc.h"

namespace clocklab {

struct cpuid_regs {
  uint32_t eax, ebx, ecx, edx;
};

// Executes CPUID(leaf, subleaf). Returns false on a non-x86 build.
bool cpuid(uint32_t leaf, uint32_t subleaf, cpuid_regs* out);

// Instructions clocklab may execute that a CPU can lack, one bit each.
enum feature : uint32_t {
  FEATURE_RDTSCP = 1u << 0,
  FEATURE_RDPID = 1u << 1,
  FEATURE_SSE2 = 1u << 2,  // for LFENCE and MFENCE
};

// Each feature's name to JavaScript and the CPUID bit that advertises it
// (Intel SDM Vol. 2A, CPUID; AMD APM Vol. 3, Appendix E), in bit order.
struct feature_info {
  feature bit;
  const char* name;
  const char* cpuid_bit;
};
constexpr feature_info feature_table[] = {
    {FEATURE_RDTSCP, "rdtscp", "CPUID.80000001H:EDX[27]"},
    {FEATURE_RDPID, "rdpid", "CPUID.(EAX=7,ECX=0):ECX[22]"},
    {FEATURE_SSE2, "sse2", "CPUID.01H:EDX[26]"},
};

// The features the CPU reports, read once, minus any masked for tests.
uint32_t cpu_features();

// Hides features from cpu_features(), so tests can run the "CPU lacks it"
// path on a CPU that has it. Never adds a feature the CPU lacks.
void mask_cpu_features(uint32_t mask);

// The CPUID bit behind a feature (feature_table), for error messages.
const char* feature_cpuid_bit(feature f);

// What a read executes that a CPU may lack: x86 instructions at all (a build
// for another architecture has none), and the CPUID features among them.
// `instr` is the instruction an error names when one is missing.
struct requirement {
  bool x86;
  uint32_t features;
  const char* instr;
};

// CPUID itself: every x86-64 CPU has it (Intel SDM Vol. 2A, CPUID).
constexpr requirement CPUID_REQUIRES{true, 0, "cpuid"};

// Why this CPU cannot run what `r` names: LACKS_NOTHING; LACKS_X86 on a build
// for another architecture; LACKS_FEATURE with *missing the lowest missing
// feature. Asks cpu_features(), so a test's mask applies.
enum lack { LACKS_NOTHING, LACKS_X86, LACKS_FEATURE };
lack cpu_lacks(const requirement& r, feature* missing);

// The same question as a bool, inline for the hot reads: a requirement known
// at compile time folds to a constant or one load and a test.
inline bool cpu_can(const requirement& r) {
  if (r.x86 && !CLOCKLAB_X86) return false;
  return r.features == 0 || (cpu_features() & r.features) == r.features;
}

}  // namespace clocklab
