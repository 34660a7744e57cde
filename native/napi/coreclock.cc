// napi/coreclock.cc: the core-clock reference (native/coreclock.h) for JavaScript.
#include "../coreclock.h"
#include "args.h"

namespace clocklab::glue {

namespace {

Napi::Value AddChainNs(const Napi::CallbackInfo& info) {
  uint32_t adds = U32Arg(info, 0, "adds");
  return Napi::Number::New(info.Env(), double(add_chain_ns(adds)));
}

}  // namespace

void ExportCoreClock(Napi::Env env, Napi::Object exports) { Export(env, exports, {{"addChainNs", AddChainNs}}); }

}  // namespace clocklab::glue
