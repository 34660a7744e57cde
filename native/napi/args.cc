// napi/args.cc: how does the glue check what JavaScript passes, and how does
// it turn what the plain C++ returns into a JavaScript error with a code?
#include "args.h"

#include <cerrno>
#include <cstring>

namespace clocklab::glue {

Napi::Error ErrnoError(Napi::Env env, int rc, const std::string& what) {
  Napi::Error e = Napi::Error::New(env, what + ": " + std::strerror(-rc));
  e.Set("errno", Napi::Number::New(env, -rc));
  e.Set("code", Napi::String::New(env, "ERR_CLOCKLAB_ERRNO"));
  return e;
}

namespace {

Napi::Error NotX86(Napi::Env env, const requirement& r) {
  Napi::Error e = Napi::Error::New(env, std::string(r.instr) + " needs an x86 CPU: this is not x86");
  e.Set("code", Napi::String::New(env, "ERR_CLOCKLAB_NOT_X86"));
  return e;
}

Napi::Error LacksFeature(Napi::Env env, const requirement& r, feature f) {
  Napi::Error e = Napi::Error::New(env, std::string(r.instr) + " is not available on this CPU (" +
                                            feature_cpuid_bit(f) + " is clear)");
  e.Set("code", Napi::String::New(env, "ERR_CLOCKLAB_CPU_FEATURE"));
  e.Set("instruction", Napi::String::New(env, r.instr));
  e.Set("cpuidBit", Napi::String::New(env, feature_cpuid_bit(f)));
  return e;
}

}  // namespace

void Require(Napi::Env env, const requirement& r) {
  feature f{};
  switch (cpu_lacks(r, &f)) {
    case LACKS_NOTHING: return;
    case LACKS_X86: throw NotX86(env, r);
    case LACKS_FEATURE: throw LacksFeature(env, r, f);
  }
}

void Prepare(Napi::Env env, const method& m) {
  feature f{};
  switch (method_prepare(m, &f)) {
    case PREP_READY: return;
    case PREP_NOT_X86: throw NotX86(env, method_requires(m));
    case PREP_CPU_FEATURE: throw LacksFeature(env, method_requires(m), f);
    case PREP_NO_PAGE: throw ErrnoError(env, -ENXIO, m.name);
  }
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
  if (idx >= uint32_t(method_table_len)) throw Napi::RangeError::New(info.Env(), "method index out of range");
  return method_table[idx];
}

void Export(Napi::Env env, Napi::Object exports, std::initializer_list<named_fn> fns) {
  for (const named_fn& f : fns) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
}

}  // namespace clocklab::glue
