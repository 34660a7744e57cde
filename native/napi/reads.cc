// napi/reads.cc: what does one read of the TSC, the CPU number or a clock
// return to JavaScript, at the least cost N-API allows?
//
// Each read is registered as a plain napi_callback: check the feature bit
// (cpu_can(), a relaxed load), read, return. bench/api.ts measured
// node-addon-api's wrapper (CallbackInfo, a C++ try, the Require call) at
// about twice the cost of the read itself. Anything unusual (a missing
// feature, a bad argument, an errno) goes to the node-addon-api function of
// the same read, which throws the coded error.
#include <initializer_list>
#include <string>

#include "../clocks.h"
#include "../pin.h"
#include "args.h"

namespace clocklab::glue {

namespace {

// The checked reads: the slow path of the plain callbacks below, and the
// whole of rdtscp, rdpid and getcpu (which build an object or are rare).

Napi::Value Rdtsc(const Napi::CallbackInfo& info) {
  Require(info.Env(), method_requires(K_RDTSC));
  return Napi::BigInt::New(info.Env(), rdtsc());
}

Napi::Value Rdtscp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Require(env, method_requires(K_RDTSCP));
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
  Require(info.Env(), method_requires(K_LFENCE_RDTSC));
  return Napi::BigInt::New(info.Env(), lfence_rdtsc());
}

Napi::Value MfenceRdtsc(const Napi::CallbackInfo& info) {
  Require(info.Env(), method_requires(K_MFENCE_RDTSC));
  return Napi::BigInt::New(info.Env(), mfence_rdtsc());
}

Napi::Value Rdpid(const Napi::CallbackInfo& info) {
  Require(info.Env(), method_requires(K_RDPID));
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

template <int (*Fn)(int, int64_t*)>
Napi::Value ClockCall(const Napi::CallbackInfo& info) {
  uint32_t id = U32Arg(info, 0, "clock id");
  int64_t ns = 0;
  int rc = Fn(int(id), &ns);
  if (rc != 0) throw ErrnoError(info.Env(), rc, "clock id " + std::to_string(id));
  return Napi::BigInt::New(info.Env(), ns);
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

// --- The plain callbacks ------------------------------------------------------

// Compile-time constants, so each check below folds to one feature test.
constexpr requirement RDTSC_REQUIRES = method_requires(K_RDTSC);
constexpr requirement RDTSCP_REQUIRES = method_requires(K_RDTSCP);
constexpr requirement LFENCE_REQUIRES = method_requires(K_LFENCE_RDTSC);
constexpr requirement MFENCE_REQUIRES = method_requires(K_MFENCE_RDTSC);

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
  if (!cpu_can(RDTSC_REQUIRES)) return Slow<Rdtsc>(env, info);
  return BigU64(env, rdtsc());
}

napi_value FastLfenceRdtsc(napi_env env, napi_callback_info info) {
  if (!cpu_can(LFENCE_REQUIRES)) return Slow<LfenceRdtsc>(env, info);
  return BigU64(env, lfence_rdtsc());
}

napi_value FastMfenceRdtsc(napi_env env, napi_callback_info info) {
  if (!cpu_can(MFENCE_REQUIRES)) return Slow<MfenceRdtsc>(env, info);
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
  if (!cpu_can(RDTSCP_REQUIRES)) return Slow<Rdtscp>(env, info);
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
  if (!cpu_can(RDTSC_REQUIRES)) return Slow<Rdtsc>(env, info);
  *StateOf(env, info)->tsc = rdtsc();
  return nullptr;
}

napi_value FastLfenceRdtscOut(napi_env env, napi_callback_info info) {
  if (!cpu_can(LFENCE_REQUIRES)) return Slow<LfenceRdtsc>(env, info);
  *StateOf(env, info)->tsc = lfence_rdtsc();
  return nullptr;
}

napi_value FastMfenceRdtscOut(napi_env env, napi_callback_info info) {
  if (!cpu_can(MFENCE_REQUIRES)) return Slow<MfenceRdtsc>(env, info);
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

// exports[name] = cb, for each, as plain N-API functions with `data`.
struct named_cb {
  const char* name;
  napi_callback cb;
};
void ExportFast(Napi::Env env, Napi::Object exports, std::initializer_list<named_cb> cbs, void* data = nullptr) {
  for (const named_cb& c : cbs) {
    napi_value fn = nullptr;
    NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, c.name, NAPI_AUTO_LENGTH, c.cb, data, &fn));
    exports.Set(c.name, Napi::Value(env, fn));
  }
}

// The out-parameter buffer and the callbacks that write it; the buffer is
// freed when the environment goes.
void ExportOut(Napi::Env env, Napi::Object exports) {
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
  ExportFast(env, exports,
             {{"rdtscOut", FastRdtscOut}, {"lfenceRdtscOut", FastLfenceRdtscOut},
              {"mfenceRdtscOut", FastMfenceRdtscOut}, {"clockGettimeOut", FastClockGettimeOut},
              {"rdtscpOut", FastRdtscpOut}, {"getcpuOut", FastGetcpuOut}},
             st);
}

}  // namespace

void ExportReads(Napi::Env env, Napi::Object exports) {
  exports.Set("clockTable", ClockTable(env));
  ExportFast(env, exports,
             {{"rdtsc", FastRdtsc}, {"lfenceRdtsc", FastLfenceRdtsc}, {"mfenceRdtsc", FastMfenceRdtsc},
              {"clockGettime", FastClockGettime}, {"gettimeofday", FastGettimeofday}});
  Export(env, exports,
         {{"rdtscp", Rdtscp}, {"rdpid", Rdpid}, {"getcpu", Getcpu}, {"clockGetres", ClockCall<clock_resolution>},
          {"clockGettimeSyscall", ClockCall<clock_read_syscall>},
          {"clockGetresSyscall", ClockCall<clock_resolution_syscall>}});
  ExportOut(env, exports);
}

}  // namespace clocklab::glue
