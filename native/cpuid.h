// cpuid.h: what does this CPU say it can do?
#pragma once
#include <cstdint>

namespace clocklab {

struct cpuid_regs {
  uint32_t eax, ebx, ecx, edx;
};

// Executes CPUID(leaf, subleaf). Returns false on a non-x86 build.
bool cpuid(uint32_t leaf, uint32_t subleaf, cpuid_regs* out);

// Instructions clocklab may execute that a CPU can lack, with the CPUID bit
// that advertises each (Intel SDM Vol. 2A, CPUID; AMD APM Vol. 3, App. E).
enum feature : uint32_t {
  FEATURE_RDTSCP = 1u << 0,  // CPUID.80000001H:EDX[27]
  FEATURE_RDPID = 1u << 1,   // CPUID.(EAX=7,ECX=0):ECX[22]
  FEATURE_SSE2 = 1u << 2,    // CPUID.01H:EDX[26], for LFENCE and MFENCE
};

// The features the CPU reports, read once, minus any masked for tests.
uint32_t cpu_features();

// Hides features from cpu_features(), so tests can run the "CPU lacks it"
// path on a CPU that has it. Never adds a feature the CPU lacks.
void mask_cpu_features(uint32_t mask);

// Human-readable name of the CPUID bit behind a feature, for error messages.
const char* feature_cpuid_bit(feature f);

}  // namespace clocklab
