// napi/loops.cc: which methods does the addon know, and what does one read of
// a method, or a timed loop of N reads, return to JavaScript?
#include "../loops.h"

#include "args.h"

namespace clocklab::glue {

namespace {

// The methods by index, with what each needs before its first read (kind_table):
// the CPU features it executes and the page it reads (null for none).
Napi::Array MethodTable(Napi::Env env) {
  Napi::Array a = Napi::Array::New(env, method_table_len);
  for (int i = 0; i < method_table_len; i++) {
    const method& m = method_table[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, m.name));
    o.Set("clockId", Napi::Number::New(env, m.clock_id));
    Napi::Array needs = Napi::Array::New(env);
    for (const feature_info& f : feature_table)
      if (method_requires(m).features & f.bit) needs.Set(needs.Length(), Napi::String::New(env, f.name));
    o.Set("needs", needs);
    const method_page page = method_page_of(m);
    o.Set("page", page == PAGE_NONE ? env.Null() : Napi::String::New(env, page_names[page]));
    a.Set(uint32_t(i), o);
  }
  return a;
}

Napi::Value MethodRead(const Napi::CallbackInfo& info) {
  const method& m = MethodArg(info, 0);
  Prepare(info.Env(), m);
  uint64_t v = 0;
  int rc = method_read(m, &v);
  if (rc != 0) throw ErrnoError(info.Env(), rc, m.name);
  return Napi::BigInt::New(info.Env(), v);
}

Napi::Value TimedLoop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const method& m = MethodArg(info, 0);
  uint32_t loops = U32Arg(info, 1, "loops");
  Prepare(env, m);
  loop_result r{};
  int rc = timed_loop(m, loops, &r);
  if (rc != 0) throw ErrnoError(env, rc, m.name);
  Napi::Object o = Napi::Object::New(env);
  o.Set("elapsedNs", Napi::Number::New(env, double(r.elapsed_ns)));
  o.Set("tscDelta", Napi::BigInt::New(env, r.tsc_delta));
  return o;
}

}  // namespace

void ExportLoops(Napi::Env env, Napi::Object exports) {
  exports.Set("methodTable", MethodTable(env));
  Export(env, exports, {{"methodRead", MethodRead}, {"timedLoop", TimedLoop}});
}

}  // namespace clocklab::glue
