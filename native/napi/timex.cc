// napi/timex.cc: the kernel's NTP state (native/timex.h) as an object.
#include "../timex.h"
#include "args.h"

namespace clocklab::glue {

namespace {

Napi::Value Adjtimex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  timex_reading r{};
  int rc = read_timex(&r);
  if (rc != 0) throw ErrnoError(env, rc, "adjtimex");
  Napi::Object o = Napi::Object::New(env);
  o.Set("state", Napi::Number::New(env, r.state));
  o.Set("status", Napi::Number::New(env, double(r.status)));
  o.Set("offsetNs", Napi::Number::New(env, double(r.offset_ns)));
  o.Set("maxErrorUs", Napi::Number::New(env, double(r.maxerror_us)));
  o.Set("estErrorUs", Napi::Number::New(env, double(r.esterror_us)));
  o.Set("freqPpm16", Napi::Number::New(env, double(r.freq_ppm_16)));
  o.Set("taiSeconds", Napi::Number::New(env, double(r.tai_s)));
  return o;
}

}  // namespace

void ExportTimex(Napi::Env env, Napi::Object exports) { Export(env, exports, {{"adjtimex", Adjtimex}}); }

}  // namespace clocklab::glue
