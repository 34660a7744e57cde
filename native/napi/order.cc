// napi/order.cc: how does a worker thread run one side of an order litmus
// test, and where in the state does JavaScript find what it counted?
#include <string>
#include <utility>

#include "../order.h"
#include "args.h"

namespace clocklab::glue {

namespace {

// orderRun(state, methodIndex, pattern, observer, wrongOrder, durationMs):
// blocks this thread for the run.
Napi::Value OrderRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t* state = WarpStateArg(info);
  const method& m = MethodArg(info, 1);
  Prepare(env, m);
  // The observer (and the self-test's reader) fence with LFENCE: SSE2.
  Require(env, method_requires(K_LFENCE_RDTSC));
  uint32_t pattern = U32Arg(info, 2, "pattern");
  if (pattern > P_STORE_READ) throw Napi::RangeError::New(env, "pattern must be 0 (load->read) or 1 (store->read)");
  if (info.Length() < 5 || !info[3].IsBoolean() || !info[4].IsBoolean())
    throw Napi::TypeError::New(env, "observer and wrongOrder must be booleans");
  bool observer = info[3].As<Napi::Boolean>().Value();
  bool wrong = info[4].As<Napi::Boolean>().Value();
  uint32_t ms = U32Arg(info, 5, "durationMs");
  int rc = order_run({state, &m, order_pattern(pattern), observer, wrong, int64_t(ms) * 1000000});
  if (rc != 0) throw ErrnoError(env, rc, std::string("order ") + m.name);
  return env.Undefined();
}

Napi::Object OrderLayout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  const std::pair<const char*, size_t> words[] = {
      {"samples", O_SAMPLES}, {"violations", O_VIOLATIONS}, {"beyond", O_BEYOND}, {"worst", O_WORST},
      {"worstObserver", O_WORST_OBSERVER}, {"worstOther", O_WORST_OTHER}, {"bound", O_BOUND},
      {"published", O_PUBLISHED},
  };
  for (const auto& [name, value] : words) o.Set(name, Napi::Number::New(env, double(value)));
  return o;
}

}  // namespace

void ExportOrder(Napi::Env env, Napi::Object exports) {
  exports.Set("orderLayout", OrderLayout(env));
  Export(env, exports, {{"orderRun", OrderRun}});
}

}  // namespace clocklab::glue
