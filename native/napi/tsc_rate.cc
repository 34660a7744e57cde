// napi/tsc_rate.cc: one bracketed TSC/clock sample (native/tsc_rate.h) for
// JavaScript.
#include "../tsc_rate.h"
#include "args.h"

namespace clocklab::glue {

namespace {

// tscClockSample(clockId, tries, plantCpu, plantPpb, plantBase):
// plantCpu -1 for no plant; plantPpb an integer; plantBase a BigInt.
Napi::Value TscClockSample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t clock = U32Arg(info, 0, "clock id");
  uint32_t tries = U32Arg(info, 1, "tries");
  if (tries == 0) throw Napi::RangeError::New(env, "tries must be at least 1");
  tsc_plant plant{-1, 0, 0};
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    if (!info[2].IsNumber() || !info[3].IsNumber() || !info[4].IsBigInt())
      throw Napi::TypeError::New(env, "plant: cpu and ppb must be numbers, base a BigInt");
    plant.cpu = info[2].As<Napi::Number>().Int32Value();
    double ppb = info[3].As<Napi::Number>().DoubleValue();
    if (!(ppb >= -1e9 && ppb <= 1e9) || ppb != double(int64_t(ppb)))
      throw Napi::RangeError::New(env, "plant ppb must be an integer from -1e9 to 1e9");
    plant.ppb = int64_t(ppb);
    bool lossless = false;
    plant.base = info[4].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(env, "plant base must be an unsigned 64-bit value");
  }
  Require(env, TSC_SAMPLE_REQUIRES);
  tsc_clock_sample s{};
  int rc = sample_tsc_clock(int(clock), tries, plant, &s);
  if (rc != 0) throw ErrnoError(env, rc, "tsc clock sample");
  Napi::Object o = Napi::Object::New(env);
  o.Set("tscBefore", Napi::BigInt::New(env, s.tsc_before));
  o.Set("clockNs", Napi::BigInt::New(env, s.clock_ns));
  o.Set("tscAfter", Napi::BigInt::New(env, s.tsc_after));
  o.Set("cpu", Napi::Number::New(env, s.cpu));
  o.Set("planted", Napi::Boolean::New(env, s.planted));
  o.Set("read", Napi::String::New(env, s.rdtscp ? "rdtscp" : "lfence_rdtsc"));
  return o;
}

}  // namespace

void ExportTscRate(Napi::Env env, Napi::Object exports) { Export(env, exports, {{"tscClockSample", TscClockSample}}); }

}  // namespace clocklab::glue
