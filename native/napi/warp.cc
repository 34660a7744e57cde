// napi/warp.cc: how do worker threads hand the warp check its shared state,
// and where in that state does JavaScript find each result?
#include <string>
#include <utility>
#include <vector>

#include "../offsets.h"
#include "../warp.h"
#include "args.h"

namespace clocklab::glue {

// The warp state: a BigInt64Array over a SharedArrayBuffer of at least
// WARP_STATE_BYTES. A SAB is not an ArrayBuffer to Node-API on Node 20, so
// only the typed view's Data() is used, never .ArrayBuffer().
int64_t* WarpStateArg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_bigint64_array)
    throw Napi::TypeError::New(env, "warp state must be a BigInt64Array");
  auto view = info[0].As<Napi::TypedArrayOf<int64_t>>();
  if (view.ByteLength() < WARP_STATE_BYTES)
    throw Napi::RangeError::New(env, "warp state is smaller than WARP_STATE_BYTES");
  int64_t* data = view.Data();
  return data + state_base_index(data);
}

namespace {

Napi::Value WarpBaseIndex(const Napi::CallbackInfo& info) {
  WarpStateArg(info);
  auto view = info[0].As<Napi::TypedArrayOf<int64_t>>();
  return Napi::Number::New(info.Env(), double(state_base_index(view.Data())));
}

const method& WarpMethod(const Napi::CallbackInfo& info, size_t i) {
  const method& m = MethodArg(info, i);
  Prepare(info.Env(), m);
  return m;
}

// warpRun(state, methodIndex, slot, slots, durationMs): blocks this thread
// for the run.
Napi::Value WarpRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t* state = WarpStateArg(info);
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

// warpRunThreads(state, methodIndex, cpus, durationMs): the whole run, every
// CPU on a native thread of its own; blocks this thread until all have ended.
Napi::Value WarpRunThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t* state = WarpStateArg(info);
  const method& m = WarpMethod(info, 1);
  if (info.Length() < 3 || !info[2].IsArray()) throw Napi::TypeError::New(env, "cpus must be an array of CPU numbers");
  Napi::Array list = info[2].As<Napi::Array>();
  std::vector<int> cpus;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (!v.IsNumber() || v.As<Napi::Number>().Int64Value() < 0) throw Napi::TypeError::New(env, "cpus must be an array of CPU numbers");
    cpus.push_back(int(v.As<Napi::Number>().Int32Value()));
  }
  if (cpus.empty() || cpus.size() > size_t(WARP_MAX_SLOTS))
    throw Napi::RangeError::New(env, "cpus must name 1 to " + std::to_string(WARP_MAX_SLOTS) + " CPUs");
  uint32_t ms = U32Arg(info, 3, "durationMs");
  int rc = warp_run_threads(state, m, cpus, int64_t(ms) * 1000000);
  if (rc != 0) throw ErrnoError(env, rc, std::string("warp ") + m.name);
  return env.Undefined();
}

// warpPing(state, methodIndex, pinger, samples, budgetMs)
Napi::Value WarpPing(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t* state = WarpStateArg(info);
  const method& m = WarpMethod(info, 1);
  if (info.Length() < 3 || !info[2].IsBoolean()) throw Napi::TypeError::New(env, "pinger must be a boolean");
  bool pinger = info[2].As<Napi::Boolean>().Value();
  uint32_t samples = U32Arg(info, 3, "samples");
  uint32_t ms = U32Arg(info, 4, "budgetMs");
  int rc = offset_ping(state, m, pinger, samples, int64_t(ms) * 1000000);
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

// The word offsets of warp.h, by the names JavaScript reads them by.
Napi::Object WarpLayout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  const std::pair<const char*, size_t> words[] = {
      {"lock", W_LOCK}, {"last", W_LAST}, {"lastSlot", W_LAST_SLOT}, {"warps", W_WARPS},
      {"maxAmount", W_MAX_AMOUNT}, {"maxBefore", W_MAX_BEFORE}, {"maxAfter", W_MAX_AFTER},
      {"maxFrom", W_MAX_FROM}, {"maxTo", W_MAX_TO}, {"arrived", W_ARRIVED}, {"stop", W_STOP},
      {"abort", W_ABORT}, {"error", W_ERROR}, {"offLo", W_OFF_LO}, {"offHi", W_OFF_HI},
      {"offSamples", W_OFF_SAMPLES}, {"slots", W_SLOTS}, {"slotReads", WS_READS},
      {"slotDone", WS_DONE}, {"slotWords", WARP_LINE_WORDS}, {"pairs", W_PAIRS}, {"pairWords", WP_WORDS},
      {"maxSlots", size_t(WARP_MAX_SLOTS)}, {"turn", W_TURN}, {"slotHandoffs", WS_HANDOFFS},
      {"pairWarps", WP_WARPS}, {"pairLargest", WP_LARGEST}, {"pairHandoffs", WP_HANDOFFS},
      {"pairMinGap", WP_MIN_GAP}, {"gaps", W_GAPS}, {"gapBuckets", WARP_GAP_BUCKETS},
  };
  for (const auto& [name, value] : words) o.Set(name, Napi::Number::New(env, double(value)));
  return o;
}

}  // namespace

void ExportWarp(Napi::Env env, Napi::Object exports) {
  exports.Set("WARP_STATE_BYTES", Napi::Number::New(env, double(WARP_STATE_BYTES)));
  exports.Set("warpLayout", WarpLayout(env));
  Export(env, exports,
         {{"warpBaseIndex", WarpBaseIndex}, {"warpRun", WarpRun}, {"warpRunThreads", WarpRunThreads}, {"warpPing", WarpPing}, {"setTscSkew", SetTscSkew}});
}

}  // namespace clocklab::glue
