// napi/lock.cc: is another clocklab run already switching the clocksource?
// (the flock of native/lock.h, as a boolean to JavaScript)
#include <cerrno>
#include <string>

#include "../lock.h"
#include "args.h"

namespace clocklab::glue {

namespace {

Napi::Value TryLockExclusive(const Napi::CallbackInfo& info) {
  uint32_t fd = U32Arg(info, 0, "fd");
  int rc = try_lock_exclusive(int(fd));
  if (rc == -EWOULDBLOCK) return Napi::Boolean::New(info.Env(), false);
  if (rc != 0) throw ErrnoError(info.Env(), rc, "flock fd " + std::to_string(fd));
  return Napi::Boolean::New(info.Env(), true);
}

}  // namespace

void ExportLock(Napi::Env env, Napi::Object exports) { Export(env, exports, {{"tryLockExclusive", TryLockExclusive}}); }

}  // namespace clocklab::glue
