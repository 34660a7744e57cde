// addon.cc: what does the addon export? The module's Init, and nothing else:
// each concern's N-API glue lives in napi/ (napi/args.h lists them), over
// plain C++ with no N-API. No per-environment state lives in globals, so the
// addon loads in any number of worker_threads (every Node-API addon is
// context-aware).
#include <napi.h>

#include "napi/args.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace clocklab::glue;
  exports.Set("isX86", Napi::Boolean::New(env, CLOCKLAB_X86));
  ExportReads(env, exports);
  ExportCpu(env, exports);
  ExportLoops(env, exports);
  ExportLock(env, exports);
  ExportWarp(env, exports);
  ExportPvclock(env, exports);
  ExportOrder(env, exports);
  ExportTimex(env, exports);
  ExportCoreClock(env, exports);
  ExportTscAux(env, exports);
  ExportTscRate(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
