// addon.cc: the only file that speaks N-API. It checks arguments the C++
// below relies on, turns -errno into JS errors, and otherwise just forwards.
// No per-environment state lives in globals, so the addon loads in any number
// of worker_threads (every Node-API addon is context-aware).
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "clocks.h"
#include "cpuid.h"
#include "lock.h"
#include "loops.h"
#include "methods.h"
#include "pin.h"
#include "pvclock.h"
#include "tsc.h"
#include "warp.h"

using namespace clocklab;

namespace {

Napi::Error ErrnoError(Napi::Env env, int rc, const std::string& what) {
  Napi::Error e = Napi::Error::New(env, what + ": " + std::strerror(-rc));
  e.Set("errno", Napi::Number::New(env, -rc));
  e.Set("code", Napi::String::New(env, "ERR_CLOCKLAB_ERRNO"));
  return e;
}

// Throws unless the CPU can run what `needs` names. This is the guard that
// turns a missing instruction into an error instead of SIGILL.
void Require(Napi::Env env, uint32_t needs, const char* instr) {
  if (!CLOCKLAB_X86) {
    Napi::Error e = Napi::Error::New(env, std::string(instr) + " needs an x86 CPU: this is not x86");
    e.Set("code", Napi::String::New(env, "ERR_CLOCKLAB_NOT_X86"));
    throw e;
  }
  uint32_t missing = needs & ~cpu_features();
  if (missing == 0) return;
  feature f = feature(missing & -missing);
  Napi::Error e = Napi::Error::New(env, std::string(instr) + " is not available on this CPU (" +
                                            feature_cpuid_bit(f) + " is clear)");
  e.Set("code", Napi::String::New(env, "ERR_CLOCKLAB_CPU_FEATURE"));
  e.Set("instruction", Napi::String::New(env, instr));
  e.Set("cpuidBit", Napi::String::New(env, feature_cpuid_bit(f)));
  throw e;
}

uint32_t U32Arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || d != double(uint64_t(d)))
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer from 0 to 2^32-1");
  return uint32_t(d);
}

const method& MethodArg(const Napi::CallbackInfo& info, size_t i) {
  uint32_t idx = U32Arg(info, i, "method index");
  if (idx >= uint32_t(method_table_len))
    throw Napi::RangeError::New(info.Env(), "method index out of range");
  return method_table[idx];
}

Napi::Value Rdtsc(const Napi::CallbackInfo& info) {
  Require(info.Env(), 0, "rdtsc");
  return Napi::BigInt::New(info.Env(), rdtsc());
}

Napi::Value Rdtscp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Require(env, FEATURE_RDTSCP, "rdtscp");
  uint32_t aux = 0;
  uint64_t tsc = rdtscp(&aux);
  Napi::Object o = Napi::Object::New(env);
  o.Set("tsc", Napi::BigInt::New(env, tsc));
  o.Set("aux", Napi::Number::New(env, aux));
  o.Set("cpu", Napi::Number::New(env, tsc_aux_cpu(aux)));
  o.Set("node", Napi::Number::New(env, tsc_aux_node(aux)));
  return o;
}

Napi::Value LfenceRdtsc(const Napi::CallbackInfo& info) {
  Require(info.Env(), FEATURE_SSE2, "lfence");
  return Napi::BigInt::New(info.Env(), lfence_rdtsc());
}

Napi::Value MfenceRdtsc(const Napi::CallbackInfo& info) {
  Require(info.Env(), FEATURE_SSE2, "mfence");
  return Napi::BigInt::New(info.Env(), mfence_rdtsc());
}

Napi::Value Rdpid(const Napi::CallbackInfo& info) {
  Require(info.Env(), FEATURE_RDPID, "rdpid");
  return Napi::Number::New(info.Env(), rdpid());
}

Napi::Value Getcpu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t cpu = 0, node = 0;
  int rc = get_cpu(&cpu, &node);
  if (rc != 0) throw ErrnoError(env, rc, "getcpu");
  Napi::Object o = Napi::Object::New(env);
  o.Set("cpu", Napi::Number::New(env, cpu));
  o.Set("node", Napi::Number::New(env, node));
  return o;
}

Napi::Value Cpuid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t leaf = U32Arg(info, 0, "leaf");
  uint32_t sub = info.Length() > 1 ? U32Arg(info, 1, "subleaf") : 0;
  Require(env, 0, "cpuid");
  cpuid_regs r{};
  cpuid(leaf, sub, &r);
  Napi::Object o = Napi::Object::New(env);
  o.Set("eax", Napi::Number::New(env, r.eax));
  o.Set("ebx", Napi::Number::New(env, r.ebx));
  o.Set("ecx", Napi::Number::New(env, r.ecx));
  o.Set("edx", Napi::Number::New(env, r.edx));
  return o;
}

template <int (*Fn)(int, int64_t*)>
Napi::Value ClockCall(const Napi::CallbackInfo& info) {
  uint32_t id = U32Arg(info, 0, "clock id");
  int64_t ns = 0;
  int rc = Fn(int(id), &ns);
  if (rc != 0) throw ErrnoError(info.Env(), rc, "clock id " + std::to_string(id));
  return Napi::BigInt::New(info.Env(), ns);
}

Napi::Value Gettimeofday(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), gettimeofday_us());
}

Napi::Value PinToCpu(const Napi::CallbackInfo& info) {
  uint32_t cpu = U32Arg(info, 0, "cpu");
  int rc = pin_to_cpu(int(cpu));
  if (rc != 0) throw ErrnoError(info.Env(), rc, "pin to cpu " + std::to_string(cpu));
  return info.Env().Undefined();
}

Napi::Value SetAffinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "cpus must be an array");
  Napi::Array a = info[0].As<Napi::Array>();
  std::vector<int> cpus;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value v = a.Get(i);
    if (!v.IsNumber()) throw Napi::TypeError::New(env, "cpus must be numbers");
    cpus.push_back(v.As<Napi::Number>().Int32Value());
  }
  int rc = set_affinity(cpus);
  if (rc != 0) throw ErrnoError(env, rc, "set affinity");
  return env.Undefined();
}

Napi::Value GetAffinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<int> cpus;
  int rc = get_affinity(&cpus);
  if (rc != 0) throw ErrnoError(env, rc, "get affinity");
  Napi::Array a = Napi::Array::New(env, cpus.size());
  for (size_t i = 0; i < cpus.size(); i++) a.Set(uint32_t(i), Napi::Number::New(env, cpus[i]));
  return a;
}

Napi::Value MaskFeatures(const Napi::CallbackInfo& info) {
  mask_cpu_features(U32Arg(info, 0, "mask"));
  return info.Env().Undefined();
}

Napi::Value Features(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t f = cpu_features();
  Napi::Object o = Napi::Object::New(env);
  o.Set("rdtscp", Napi::Boolean::New(env, f & FEATURE_RDTSCP));
  o.Set("rdpid", Napi::Boolean::New(env, f & FEATURE_RDPID));
  o.Set("sse2", Napi::Boolean::New(env, f & FEATURE_SSE2));
  return o;
}

Napi::Value MethodRead(const Napi::CallbackInfo& info) {
  const method& m = MethodArg(info, 0);
  Require(info.Env(), m.needs, m.instr ? m.instr : m.name);
  uint64_t v = 0;
  int rc = method_read(m, &v);
  if (rc != 0) throw ErrnoError(info.Env(), rc, m.name);
  return Napi::BigInt::New(info.Env(), v);
}

Napi::Value TimedLoop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const method& m = MethodArg(info, 0);
  uint32_t loops = U32Arg(info, 1, "loops");
  if (m.kind <= K_RDPID || m.kind == K_SKEWED_RDTSCP) Require(env, m.needs, m.instr);
  if (m.kind <= K_RDPID || m.needs != 0) Require(env, m.needs, m.instr);
  loop_result r{};
  int rc = timed_loop(m, loops, &r);
  if (rc != 0) throw ErrnoError(env, rc, m.name);
  Napi::Object o = Napi::Object::New(env);
  o.Set("elapsedNs", Napi::Number::New(env, double(r.elapsed_ns)));
  o.Set("tscDelta", Napi::BigInt::New(env, r.tsc_delta));
  return o;
}

// --- Hot single reads as plain N-API callbacks -------------------------------
// bench/api.ts measured node-addon-api's wrapper (CallbackInfo, a C++ try,
// the Require call) at about twice the cost of the read itself, so the reads
// a JS caller times with are also registered as plain napi_callbacks: check
// the feature bit (a relaxed load), read, return. Anything unusual (a missing
// feature, a bad argument, an errno) goes to the node-addon-api function
// above, which throws the same coded error as before.

// Per-environment out-parameter (32 bytes): rdtscpOut and getcpuOut write the
// second value (TSC_AUX, the node) to u32 slots 0 and 1 so no object is built
// per call; u32 slot 2 is clockGettimeOut's clock id (an input). The *Out
// reads write their 64-bit value to bytes 16..23 (TSC) or 24..31 (ns) and
// return nothing, because returning a BigInt through N-API
// (napi_create_bigint_uint64 and the return path) measured dearer than the
// read: JS then takes the BigInt from a BigUint64Array, which V8 does inline.
struct FastState {
  uint32_t* out = nullptr;  // u32 view of the buffer
  uint64_t* tsc = nullptr;  // bytes 16..23
  int64_t* ns = nullptr;    // bytes 24..31
  napi_ref buffer = nullptr;
};

template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
napi_value Slow(napi_env env, napi_callback_info info) {
  try {
    Napi::CallbackInfo ci(env, info);
    return Fn(ci);
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
    return nullptr;
  }
}

napi_value BigU64(napi_env env, uint64_t v) {
  napi_value r = nullptr;
  napi_create_bigint_uint64(env, v, &r);
  return r;
}

napi_value FastRdtsc(napi_env env, napi_callback_info info) {
  if (!CLOCKLAB_X86) return Slow<Rdtsc>(env, info);
  return BigU64(env, rdtsc());
}

napi_value FastLfenceRdtsc(napi_env env, napi_callback_info info) {
  if (!CLOCKLAB_X86 || !(cpu_features() & FEATURE_SSE2)) return Slow<LfenceRdtsc>(env, info);
  return BigU64(env, lfence_rdtsc());
}

napi_value FastMfenceRdtsc(napi_env env, napi_callback_info info) {
  if (!CLOCKLAB_X86 || !(cpu_features() & FEATURE_SSE2)) return Slow<MfenceRdtsc>(env, info);
  return BigU64(env, mfence_rdtsc());
}

// The calling thread's state. Node runs one environment per thread (the
// main thread, each worker), so a thread_local finds it without the
// napi_get_cb_info call: 35.9 -> 32.3 ns a rdtsc() here, the same as the
// npm rdtsc package (V8 API and BigInt::New) in one run.
thread_local FastState* t_state = nullptr;

FastState* StateOf(napi_env env, napi_callback_info info) {
  if (t_state != nullptr) return t_state;
  void* data = nullptr;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &data);
  return static_cast<FastState*>(data);
}

// The TSC goes to bytes 16..23, TSC_AUX to out[0].
napi_value FastRdtscpOut(napi_env env, napi_callback_info info) {
  if (!CLOCKLAB_X86 || !(cpu_features() & FEATURE_RDTSCP)) return Slow<Rdtscp>(env, info);
  FastState* st = StateOf(env, info);
  uint32_t aux = 0;
  *st->tsc = rdtscp(&aux);
  st->out[0] = aux;
  return nullptr;
}

// Returns the CPU; the NUMA node goes to out[1].
napi_value FastGetcpuOut(napi_env env, napi_callback_info info) {
  uint32_t cpu = 0, node = 0;
  if (get_cpu(&cpu, &node) != 0) return Slow<Getcpu>(env, info);
  StateOf(env, info)->out[1] = node;
  napi_value r = nullptr;
  napi_create_uint32(env, cpu, &r);
  return r;
}

napi_value FastClockGettime(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double d = -1;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1 ||
      napi_get_value_double(env, argv[0], &d) != napi_ok || !(d >= 0 && d <= 4294967295.0) ||
      d != double(uint64_t(d)))
    return Slow<ClockCall<clock_read>>(env, info);
  int64_t ns = 0;
  if (clock_read(int(uint32_t(d)), &ns) != 0) return Slow<ClockCall<clock_read>>(env, info);
  napi_value r = nullptr;
  napi_create_bigint_int64(env, ns, &r);
  return r;
}

napi_value FastRdtscOut(napi_env env, napi_callback_info info) {
  if (!CLOCKLAB_X86) return Slow<Rdtsc>(env, info);
  *StateOf(env, info)->tsc = rdtsc();
  return nullptr;
}

napi_value FastLfenceRdtscOut(napi_env env, napi_callback_info info) {
  if (!CLOCKLAB_X86 || !(cpu_features() & FEATURE_SSE2)) return Slow<LfenceRdtsc>(env, info);
  *StateOf(env, info)->tsc = lfence_rdtsc();
  return nullptr;
}

napi_value FastMfenceRdtscOut(napi_env env, napi_callback_info info) {
  if (!CLOCKLAB_X86 || !(cpu_features() & FEATURE_SSE2)) return Slow<MfenceRdtsc>(env, info);
  *StateOf(env, info)->tsc = mfence_rdtsc();
  return nullptr;
}

// clock_gettime with its clock id passed in out[2] instead of as an argument:
// reading and checking a JS argument measured about as dear as the vDSO read,
// and one function (not one per id) keeps the JS call site monomorphic.
napi_value FastClockGettimeOut(napi_env env, napi_callback_info info) {
  FastState* st = StateOf(env, info);
  uint32_t id = st->out[2];
  int64_t ns = 0;
  int rc = clock_read(int(id), &ns);
  if (rc != 0) {
    ErrnoError(Napi::Env(env), rc, "clock id " + std::to_string(id)).ThrowAsJavaScriptException();
    return nullptr;
  }
  *st->ns = ns;
  return nullptr;
}

napi_value FastGettimeofday(napi_env env, napi_callback_info) {
  napi_value r = nullptr;
  napi_create_bigint_int64(env, gettimeofday_us(), &r);
  return r;
}

void SetFast(Napi::Env env, Napi::Object exports, const char* name, napi_callback cb, void* data = nullptr) {
  napi_value fn = nullptr;
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, data, &fn));
  exports.Set(name, Napi::Value(env, fn));
}

// Registers the plain callbacks (replacing the wrapped ones of the same
// name) and the out-parameter buffer, freed when the environment goes.
void InitFast(Napi::Env env, Napi::Object exports) {
  FastState* st = new FastState();
  void* mem = nullptr;
  napi_value ab = nullptr, view = nullptr;
  napi_value tsc = nullptr, ns = nullptr;
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_arraybuffer(env, 32, &mem, &ab));
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_typedarray(env, napi_uint32_array, 4, ab, 0, &view));
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_typedarray(env, napi_biguint64_array, 1, ab, 16, &tsc));
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_typedarray(env, napi_bigint64_array, 1, ab, 24, &ns));
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_reference(env, ab, 1, &st->buffer));
  st->out = static_cast<uint32_t*>(mem);
  st->tsc = reinterpret_cast<uint64_t*>(static_cast<char*>(mem) + 16);
  st->ns = reinterpret_cast<int64_t*>(static_cast<char*>(mem) + 24);
  t_state = st;
  napi_add_env_cleanup_hook(
      env,
      [](void* p) {
        if (t_state == p) t_state = nullptr;
        delete static_cast<FastState*>(p);
      },
      st);
  exports.Set("out", Napi::Value(env, view));
  exports.Set("outTsc", Napi::Value(env, tsc));
  exports.Set("outNs", Napi::Value(env, ns));
  SetFast(env, exports, "rdtscOut", FastRdtscOut, st);
  SetFast(env, exports, "lfenceRdtscOut", FastLfenceRdtscOut, st);
  SetFast(env, exports, "mfenceRdtscOut", FastMfenceRdtscOut, st);
  SetFast(env, exports, "clockGettimeOut", FastClockGettimeOut, st);
  SetFast(env, exports, "rdtsc", FastRdtsc);
  SetFast(env, exports, "lfenceRdtsc", FastLfenceRdtsc);
  SetFast(env, exports, "mfenceRdtsc", FastMfenceRdtsc);
  SetFast(env, exports, "clockGettime", FastClockGettime);
  SetFast(env, exports, "gettimeofday", FastGettimeofday);
  SetFast(env, exports, "rdtscpOut", FastRdtscpOut, st);
  SetFast(env, exports, "getcpuOut", FastGetcpuOut, st);
}

// The warp state: a BigInt64Array over a SharedArrayBuffer of at least
// WARP_STATE_BYTES. A SAB is not an ArrayBuffer to Node-API on Node 20, so
// only the typed view's Data() is used, never .ArrayBuffer().
int64_t* WarpState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_bigint64_array)
    throw Napi::TypeError::New(env, "warp state must be a BigInt64Array");
  auto view = info[0].As<Napi::TypedArrayOf<int64_t>>();
  if (view.ByteLength() < WARP_STATE_BYTES)
    throw Napi::RangeError::New(env, "warp state is smaller than WARP_STATE_BYTES");
  int64_t* data = view.Data();
  return data + warp_base_index(data);
}

Napi::Value WarpBaseIndex(const Napi::CallbackInfo& info) {
  WarpState(info);
  auto view = info[0].As<Napi::TypedArrayOf<int64_t>>();
  return Napi::Number::New(info.Env(), double(warp_base_index(view.Data())));
}

const method& WarpMethod(const Napi::CallbackInfo& info, size_t i) {
  const method& m = MethodArg(info, i);
  Require(info.Env(), m.needs, m.instr ? m.instr : m.name);
  return m;
}

// warpRun(state, methodIndex, slot, slots, durationMs): blocks this thread
// for the run.
Napi::Value WarpRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t* state = WarpState(info);
  const method& m = WarpMethod(info, 1);
  uint32_t slot = U32Arg(info, 2, "slot");
  uint32_t slots = U32Arg(info, 3, "slots");
  uint32_t ms = U32Arg(info, 4, "durationMs");
  if (slots == 0 || slots > uint32_t(WARP_MAX_SLOTS) || slot >= slots)
    throw Napi::RangeError::New(env, "slot must be below slots, and slots at most " + std::to_string(WARP_MAX_SLOTS));
  int rc = warp_run({state, &m, int(slot), int(slots), int64_t(ms) * 1000000});
  if (rc != 0) throw ErrnoError(env, rc, std::string("warp ") + m.name);
  return env.Undefined();
}

// warpPing(state, methodIndex, pinger, samples, budgetMs)
Napi::Value WarpPing(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t* state = WarpState(info);
  const method& m = WarpMethod(info, 1);
  if (info.Length() < 3 || !info[2].IsBoolean()) throw Napi::TypeError::New(env, "pinger must be a boolean");
  bool pinger = info[2].As<Napi::Boolean>().Value();
  uint32_t samples = U32Arg(info, 3, "samples");
  uint32_t ms = U32Arg(info, 4, "budgetMs");
  int rc = warp_ping(state, m, pinger, samples, int64_t(ms) * 1000000);
  if (rc != 0) throw ErrnoError(env, rc, std::string("offset ping ") + m.name);
  return env.Undefined();
}

Napi::Value SetTscSkew(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t cpu = U32Arg(info, 0, "cpu");
  if (info.Length() < 2 || !info[1].IsNumber()) throw Napi::TypeError::New(env, "cycles must be a number");
  int rc = set_tsc_skew(int(cpu), info[1].As<Napi::Number>().Int64Value());
  if (rc != 0) throw ErrnoError(env, rc, "set skew of cpu " + std::to_string(cpu));
  return env.Undefined();
}

Napi::Object WarpLayout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  const std::pair<const char*, size_t> words[] = {
      {"lock", W_LOCK}, {"last", W_LAST}, {"lastSlot", W_LAST_SLOT}, {"warps", W_WARPS},
      {"maxAmount", W_MAX_AMOUNT}, {"maxBefore", W_MAX_BEFORE}, {"maxAfter", W_MAX_AFTER},
      {"maxFrom", W_MAX_FROM}, {"maxTo", W_MAX_TO}, {"arrived", W_ARRIVED}, {"stop", W_STOP},
      {"abort", W_ABORT}, {"error", W_ERROR}, {"offLo", W_OFF_LO}, {"offHi", W_OFF_HI},
      {"offSamples", W_OFF_SAMPLES}, {"slots", W_SLOTS}, {"slotReads", WS_READS},
      {"slotDone", WS_DONE}, {"slotWords", WARP_LINE_WORDS}, {"pairs", W_PAIRS}, {"pairWords", WP_WORDS},
      {"maxSlots", size_t(WARP_MAX_SLOTS)},
  };
  for (const auto& [name, value] : words) o.Set(name, Napi::Number::New(env, double(value)));
  return o;
}

// --- pvclock (native/pvclock.h) ---------------------------------------------
// Addresses from JS reach native loads only through pvclockSetPage, which
// probes first; the readers take either that page or a Uint8Array a test
// fills (its bytes stand in for the page, read by the very same code).

uint64_t AddrArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsBigInt()) throw Napi::TypeError::New(info.Env(), "address must be a bigint");
  bool lossless = false;
  uint64_t a = info[i].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw Napi::RangeError::New(info.Env(), "address must fit in 64 bits");
  return a;
}

const uint8_t* PvclockSource(const Napi::CallbackInfo& info, size_t i, int nrecords) {
  Napi::Env env = info.Env();
  if (info.Length() > i && info[i].IsTypedArray()) {
    Napi::TypedArray t = info[i].As<Napi::TypedArray>();
    if (t.TypedArrayType() != napi_uint8_array) throw Napi::TypeError::New(env, "source must be a Uint8Array");
    Napi::Uint8Array u = t.As<Napi::Uint8Array>();
    if (u.ByteLength() < size_t(nrecords) * PVCLOCK_STRIDE)
      throw Napi::RangeError::New(env, "source is smaller than nrecords * 64 bytes");
    if (uintptr_t(u.Data()) % 8 != 0) throw Napi::RangeError::New(env, "source must be 8-byte aligned");
    return u.Data();
  }
  if (info.Length() > i && !info[i].IsUndefined() && !info[i].IsNull())
    throw Napi::TypeError::New(env, "source must be a Uint8Array or undefined (the page set by pvclockSetPage)");
  const uint8_t* p = pvclock_page();
  if (!p) throw ErrnoError(env, -ENXIO, "no pvclock page set (pvclockSetPage)");
  return p;
}

int RecordsArg(const Napi::CallbackInfo& info, size_t i) {
  uint32_t n = U32Arg(info, i, "nrecords");
  if (n < 1 || n > uint32_t(PVCLOCK_MAX_RECORDS))
    throw Napi::RangeError::New(info.Env(), "nrecords must be 1 to " + std::to_string(PVCLOCK_MAX_RECORDS));
  return int(n);
}

Napi::Object RecordObject(Napi::Env env, const pvclock_record& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", Napi::Number::New(env, r.version));
  o.Set("tscTimestamp", Napi::BigInt::New(env, r.tsc_timestamp));
  o.Set("systemTimeNs", Napi::BigInt::New(env, r.system_time));
  o.Set("mul", Napi::Number::New(env, r.mul));
  o.Set("shift", Napi::Number::New(env, r.shift));
  o.Set("flags", Napi::Number::New(env, r.flags));
  return o;
}

Napi::Value PvclockProbe(const Napi::CallbackInfo& info) {
  uint64_t addr = AddrArg(info, 0);
  int sig = 0;
  int rc = pvclock_probe(addr, &sig);
  if (rc != 0) throw ErrnoError(info.Env(), rc, "pvclock probe");
  return Napi::Number::New(info.Env(), sig);
}

Napi::Value PvclockSetPage(const Napi::CallbackInfo& info) {
  uint64_t addr = AddrArg(info, 0);
  int rc = pvclock_set_page(addr);
  if (rc != 0) throw ErrnoError(info.Env(), rc, "pvclock page");
  return info.Env().Undefined();
}

Napi::Value PvclockPageAddress(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), uint64_t(uintptr_t(pvclock_page())));
}

// Reads `nrecords` records under the seqlock, then one ordered TSC, and the
// ns every record gives for that one TSC value.
Napi::Value PvclockRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Require(env, FEATURE_SSE2, "lfence");
  int n = RecordsArg(info, 1);
  const uint8_t* base = PvclockSource(info, 0, n);
  std::vector<pvclock_record> recs(n);
  for (int i = 0; i < n; i++) {
    uint64_t tsc = 0;
    int rc = pvclock_read_record(base, i, &recs[i], &tsc, 1000);
    if (rc != 0) throw ErrnoError(env, rc, "pvclock record " + std::to_string(i));
  }
  uint64_t tsc = 0;
  pvclock_record r0;
  int rc = pvclock_read_record(base, 0, &r0, &tsc, 1000);
  if (rc != 0) throw ErrnoError(env, rc, "pvclock record 0");
  Napi::Array a = Napi::Array::New(env, n);
  for (int i = 0; i < n; i++) {
    Napi::Object o = RecordObject(env, recs[i]);
    o.Set("nsAtTsc", Napi::BigInt::New(env, pvclock_ns_at(recs[i], tsc)));
    a.Set(uint32_t(i), o);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("tsc", Napi::BigInt::New(env, tsc));
  out.Set("records", a);
  return out;
}

Napi::Value PvclockScale(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsBigInt() || !info[2].IsNumber())
    throw Napi::TypeError::New(env, "pvclockScale(delta: bigint, mul: number, shift: number)");
  bool lossless = false;
  uint64_t delta = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
  uint32_t mul = U32Arg(info, 1, "mul");
  int shift = info[2].As<Napi::Number>().Int32Value();
  if (!lossless || shift < -128 || shift > 127) throw Napi::RangeError::New(env, "delta or shift out of range");
  return Napi::BigInt::New(env, pvclock_scale(delta, mul, int8_t(shift)));
}

Napi::Value PvclockTscHz(const Napi::CallbackInfo& info) {
  uint32_t mul = U32Arg(info, 0, "mul");
  int shift = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
  if (shift < -31 || shift > 31) throw Napi::RangeError::New(info.Env(), "shift must be -31..31");
  return Napi::Number::New(info.Env(), pvclock_tsc_hz(mul, int8_t(shift)));
}

Napi::Value PvclockPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const method& m = MethodArg(info, 0);
  uint32_t clock = U32Arg(info, 1, "clock id");
  uint32_t tries = U32Arg(info, 2, "tries");
  int (*read)(uint64_t*) = nullptr;
  if (m.kind == K_PVCLOCK_VDSO) read = pvclock_vdso_read;
  else if (m.kind == K_PVCLOCK_RDTSCP) read = pvclock_rdtscp_read;
  else throw Napi::RangeError::New(env, "pvclockPair takes a pvclock method");
  Require(env, m.needs, m.instr);
  pvclock_pair p{};
  int rc = pvclock_pair_read(read, int(clock), int(tries == 0 ? 1 : tries), &p);
  if (rc != 0) throw ErrnoError(env, rc, m.name);
  Napi::Object o = Napi::Object::New(env);
  o.Set("beforeNs", Napi::BigInt::New(env, p.before_ns));
  o.Set("valueNs", Napi::BigInt::New(env, p.value_ns));
  o.Set("afterNs", Napi::BigInt::New(env, p.after_ns));
  return o;
}

Napi::Value PvclockWatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = RecordsArg(info, 1);
  const uint8_t* base = PvclockSource(info, 0, n);
  if (info.Length() < 3 || !info[2].IsNumber()) throw Napi::TypeError::New(env, "seconds must be a number");
  double seconds = info[2].As<Napi::Number>().DoubleValue();
  if (!(seconds >= 0 && seconds <= 86400)) throw Napi::RangeError::New(env, "seconds must be 0 to 86400");
  uint32_t max_events = info.Length() > 3 ? U32Arg(info, 3, "max events") : 1000;
  std::vector<pvclock_watch_counts> counts(n);
  std::vector<pvclock_torn_event> events(max_events);
  int nevents = 0;
  int rc = pvclock_watch(base, n, seconds, counts.data(), events.data(), int(max_events), &nevents);
  if (rc != 0) throw ErrnoError(env, rc, "pvclock watch");
  Napi::Array c = Napi::Array::New(env, n);
  for (int i = 0; i < n; i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("polls", Napi::Number::New(env, double(counts[i].polls)));
    o.Set("versionChanges", Napi::Number::New(env, double(counts[i].version_changes)));
    o.Set("oddReads", Napi::Number::New(env, double(counts[i].odd_reads)));
    o.Set("tornReads", Napi::Number::New(env, double(counts[i].torn_reads)));
    o.Set("firstVersion", Napi::Number::New(env, counts[i].first_version));
    o.Set("lastVersion", Napi::Number::New(env, counts[i].last_version));
    c.Set(uint32_t(i), o);
  }
  Napi::Array t = Napi::Array::New(env, nevents);
  for (int i = 0; i < nevents; i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("monotonicNs", Napi::BigInt::New(env, events[i].mono_ns));
    o.Set("vcpu", Napi::Number::New(env, events[i].vcpu));
    o.Set("version", Napi::Number::New(env, events[i].version));
    o.Set("before", RecordObject(env, events[i].before));
    o.Set("after", RecordObject(env, events[i].after));
    t.Set(uint32_t(i), o);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("counts", c);
  out.Set("torn", t);
  return out;
}

Napi::Array ClockTable(Napi::Env env) {
  Napi::Array a = Napi::Array::New(env, clock_table_len);
  for (int i = 0; i < clock_table_len; i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, clock_table[i].name));
    o.Set("id", Napi::Number::New(env, clock_table[i].id));
    a.Set(uint32_t(i), o);
  }
  return a;
}

Napi::Array MethodTable(Napi::Env env) {
  Napi::Array a = Napi::Array::New(env, method_table_len);
  for (int i = 0; i < method_table_len; i++) {
    const method& m = method_table[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, m.name));
    o.Set("clockId", Napi::Number::New(env, m.clock_id));
    Napi::Array needs = Napi::Array::New(env);
    if (m.needs & FEATURE_RDTSCP) needs.Set(needs.Length(), Napi::String::New(env, "rdtscp"));
    if (m.needs & FEATURE_RDPID) needs.Set(needs.Length(), Napi::String::New(env, "rdpid"));
    if (m.needs & FEATURE_SSE2) needs.Set(needs.Length(), Napi::String::New(env, "sse2"));
    o.Set("needs", needs);
    a.Set(uint32_t(i), o);
  }
  return a;
}

Napi::Value TryLockExclusive(const Napi::CallbackInfo& info) {
  uint32_t fd = U32Arg(info, 0, "fd");
  int rc = try_lock_exclusive(int(fd));
  if (rc == -EWOULDBLOCK) return Napi::Boolean::New(info.Env(), false);
  if (rc != 0) throw ErrnoError(info.Env(), rc, "flock fd " + std::to_string(fd));
  return Napi::Boolean::New(info.Env(), true);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("isX86", Napi::Boolean::New(env, CLOCKLAB_X86));
  exports.Set("clockTable", ClockTable(env));
  exports.Set("methodTable", MethodTable(env));
  exports.Set("rdtsc", Napi::Function::New(env, Rdtsc, "rdtsc"));
  exports.Set("rdtscp", Napi::Function::New(env, Rdtscp, "rdtscp"));
  exports.Set("lfenceRdtsc", Napi::Function::New(env, LfenceRdtsc, "lfenceRdtsc"));
  exports.Set("mfenceRdtsc", Napi::Function::New(env, MfenceRdtsc, "mfenceRdtsc"));
  exports.Set("rdpid", Napi::Function::New(env, Rdpid, "rdpid"));
  exports.Set("getcpu", Napi::Function::New(env, Getcpu, "getcpu"));
  exports.Set("cpuid", Napi::Function::New(env, Cpuid, "cpuid"));
  exports.Set("features", Napi::Function::New(env, Features, "features"));
  exports.Set("maskFeatures", Napi::Function::New(env, MaskFeatures, "maskFeatures"));
  exports.Set("clockGettime", Napi::Function::New(env, ClockCall<clock_read>, "clockGettime"));
  exports.Set("clockGetres", Napi::Function::New(env, ClockCall<clock_resolution>, "clockGetres"));
  exports.Set("clockGettimeSyscall",
              Napi::Function::New(env, ClockCall<clock_read_syscall>, "clockGettimeSyscall"));
  exports.Set("clockGetresSyscall",
              Napi::Function::New(env, ClockCall<clock_resolution_syscall>, "clockGetresSyscall"));
  exports.Set("gettimeofday", Napi::Function::New(env, Gettimeofday, "gettimeofday"));
  exports.Set("pinToCpu", Napi::Function::New(env, PinToCpu, "pinToCpu"));
  exports.Set("setAffinity", Napi::Function::New(env, SetAffinity, "setAffinity"));
  exports.Set("getAffinity", Napi::Function::New(env, GetAffinity, "getAffinity"));
  exports.Set("methodRead", Napi::Function::New(env, MethodRead, "methodRead"));
  exports.Set("timedLoop", Napi::Function::New(env, TimedLoop, "timedLoop"));
  exports.Set("tryLockExclusive", Napi::Function::New(env, TryLockExclusive, "tryLockExclusive"));
  InitFast(env, exports);
  exports.Set("WARP_STATE_BYTES", Napi::Number::New(env, double(WARP_STATE_BYTES)));
  exports.Set("warpLayout", WarpLayout(env));
  exports.Set("warpBaseIndex", Napi::Function::New(env, WarpBaseIndex, "warpBaseIndex"));
  exports.Set("warpRun", Napi::Function::New(env, WarpRun, "warpRun"));
  exports.Set("warpPing", Napi::Function::New(env, WarpPing, "warpPing"));
  exports.Set("setTscSkew", Napi::Function::New(env, SetTscSkew, "setTscSkew"));
  exports.Set("pvclockStrideBytes", Napi::Number::New(env, PVCLOCK_STRIDE));
  exports.Set("pvclockMaxRecords", Napi::Number::New(env, PVCLOCK_MAX_RECORDS));
  exports.Set("pvclockProbe", Napi::Function::New(env, PvclockProbe, "pvclockProbe"));
  exports.Set("pvclockSetPage", Napi::Function::New(env, PvclockSetPage, "pvclockSetPage"));
  exports.Set("pvclockPageAddress", Napi::Function::New(env, PvclockPageAddress, "pvclockPageAddress"));
  exports.Set("pvclockRead", Napi::Function::New(env, PvclockRead, "pvclockRead"));
  exports.Set("pvclockScale", Napi::Function::New(env, PvclockScale, "pvclockScale"));
  exports.Set("pvclockTscHz", Napi::Function::New(env, PvclockTscHz, "pvclockTscHz"));
  exports.Set("pvclockPair", Napi::Function::New(env, PvclockPair, "pvclockPair"));
  exports.Set("pvclockWatch", Napi::Function::New(env, PvclockWatch, "pvclockWatch"));
  return exports;
}

}  // namespace

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
