// napi/cpu.cc: what does this CPU say it can do (CPUID, the features clocklab
// checks, a mask for tests), and which CPUs may this thread run on?
#include <string>
#include <vector>

#include "../pin.h"
#include "args.h"

namespace clocklab::glue {

namespace {

Napi::Value Cpuid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t leaf = U32Arg(info, 0, "leaf");
  uint32_t sub = info.Length() > 1 ? U32Arg(info, 1, "subleaf") : 0;
  Require(env, CPUID_REQUIRES);
  cpuid_regs r{};
  cpuid(leaf, sub, &r);
  Napi::Object o = Napi::Object::New(env);
  o.Set("eax", Napi::Number::New(env, r.eax));
  o.Set("ebx", Napi::Number::New(env, r.ebx));
  o.Set("ecx", Napi::Number::New(env, r.ecx));
  o.Set("edx", Napi::Number::New(env, r.edx));
  return o;
}

Napi::Value Features(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t f = cpu_features();
  Napi::Object o = Napi::Object::New(env);
  for (const feature_info& i : feature_table) o.Set(i.name, Napi::Boolean::New(env, f & i.bit));
  return o;
}

Napi::Value MaskFeatures(const Napi::CallbackInfo& info) {
  mask_cpu_features(U32Arg(info, 0, "mask"));
  return info.Env().Undefined();
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

}  // namespace

void ExportCpu(Napi::Env env, Napi::Object exports) {
  Export(env, exports,
         {{"cpuid", Cpuid}, {"features", Features}, {"maskFeatures", MaskFeatures},
          {"pinToCpu", PinToCpu}, {"setAffinity", SetAffinity}, {"getAffinity", GetAffinity}});
}

}  // namespace clocklab::glue
