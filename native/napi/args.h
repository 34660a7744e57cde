// napi/args.h: how does the glue check what JavaScript passes, and how does it
// turn what the plain C++ returns (-errno, an instruction the CPU lacks) into
// a JavaScript error with a code?
#pragma once
#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>

#include "../cpuid.h"
#include "../methods.h"

namespace clocklab::glue {

// An Error carrying errno and code ERR_CLOCKLAB_ERRNO, for a -errno `rc`.
Napi::Error ErrnoError(Napi::Env env, int rc, const std::string& what);

// Throws unless the CPU can run what `r` names: ERR_CLOCKLAB_NOT_X86 on a
// build for another architecture, ERR_CLOCKLAB_CPU_FEATURE (with the
// instruction and its CPUID bit) for a feature the CPU lacks. The guard that
// makes a missing instruction an error instead of SIGILL.
void Require(Napi::Env env, const requirement& r);

// The one preparer (method_prepare(), methods.h) before a method's first
// read: Require()'s errors for what the CPU lacks, ERR_CLOCKLAB_ERRNO with
// ENXIO (what the read itself would fail with) for a page not set up.
void Prepare(Napi::Env env, const method& m);

// Argument i as an integer from 0 to 2^32-1 (TypeError, RangeError).
uint32_t U32Arg(const Napi::CallbackInfo& info, size_t i, const char* name);

// Argument i as an index into method_table.
const method& MethodArg(const Napi::CallbackInfo& info, size_t i);

// Argument 0 as a warp state (napi/warp.cc): the aligned base of a
// BigInt64Array of at least WARP_STATE_BYTES over a SharedArrayBuffer.
int64_t* WarpStateArg(const Napi::CallbackInfo& info);

// exports[name] = fn, for each, as node-addon-api functions.
struct named_fn {
  const char* name;
  Napi::Value (*fn)(const Napi::CallbackInfo&);
};
void Export(Napi::Env env, Napi::Object exports, std::initializer_list<named_fn> fns);

// Each file under napi/ registers its concern's functions.
void ExportReads(Napi::Env env, Napi::Object exports);    // napi/reads.cc: the single reads
void ExportCpu(Napi::Env env, Napi::Object exports);      // napi/cpu.cc: CPUID, features, pinning
void ExportLoops(Napi::Env env, Napi::Object exports);    // napi/loops.cc: the method table, timed loops
void ExportLock(Napi::Env env, Napi::Object exports);     // napi/lock.cc: the clocksource-switch lock
void ExportWarp(Napi::Env env, Napi::Object exports);     // napi/warp.cc: the warp check
void ExportPvclock(Napi::Env env, Napi::Object exports);  // napi/pvclock.cc: the pvclock page
void ExportOrder(Napi::Env env, Napi::Object exports);    // napi/order.cc: the order litmus tests
void ExportTimex(Napi::Env env, Napi::Object exports);    // napi/timex.cc: the kernel's NTP state
void ExportCoreClock(Napi::Env env, Napi::Object exports);  // napi/coreclock.cc: the core clock's speed
void ExportTscAux(Napi::Env env, Napi::Object exports);     // napi/tscaux.cc: RDTSCP/RDPID in a child, TSC_AUX
void ExportTscRate(Napi::Env env, Napi::Object exports);    // napi/tsc_rate.cc: bracketed TSC/clock samples

}  // namespace clocklab::glue
