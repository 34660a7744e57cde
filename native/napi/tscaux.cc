// napi/tscaux.cc: the TSC_AUX probe (native/tscaux.h) to JavaScript: which
// instruction, on which CPUs, how many rounds; back come the reads the child
// made and the signal that ended it, if one did.
#include <string>
#include <vector>

#include "../tscaux.h"
#include "args.h"

namespace clocklab::glue {

namespace {

Napi::Object ReadObject(Napi::Env env, const tscaux_read& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("cpu", Napi::Number::New(env, r.cpu));
  o.Set("pinErrno", Napi::Number::New(env, r.pin_errno));
  o.Set("cpuBefore", Napi::Number::New(env, r.cpu_before));
  o.Set("cpuAfter", Napi::Number::New(env, r.cpu_after));
  o.Set("nodeAfter", Napi::Number::New(env, r.node_after));
  o.Set("aux", Napi::Number::New(env, r.aux));
  o.Set("tsc", Napi::BigInt::New(env, r.tsc));
  return o;
}

// tscAuxProbe(instruction, cpus, rounds): { signal, reads, faulted }.
Napi::Value TscAuxProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t instr = U32Arg(info, 0, "instruction");
  if (instr != TSCAUX_RDTSCP && instr != TSCAUX_RDPID)
    throw Napi::RangeError::New(env, "instruction must be 0 (rdtscp) or 1 (rdpid)");
  if (info.Length() < 2 || !info[1].IsArray()) throw Napi::TypeError::New(env, "cpus must be an array");
  Napi::Array a = info[1].As<Napi::Array>();
  std::vector<int> cpus;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value v = a.Get(i);
    if (!v.IsNumber()) throw Napi::TypeError::New(env, "cpus must be numbers");
    cpus.push_back(v.As<Napi::Number>().Int32Value());
  }
  uint32_t rounds = U32Arg(info, 2, "rounds");
  if (cpus.empty() || rounds < 1 || uint64_t(rounds) * cpus.size() > uint64_t(TSCAUX_MAX_READS))
    throw Napi::RangeError::New(env, "needs 1 to " + std::to_string(TSCAUX_MAX_READS) + " reads (cpus x rounds)");
  std::vector<tscaux_read> reads(cpus.size() * rounds);
  int done = 0, sig = 0;
  int rc = tscaux_probe(tscaux_instruction(instr), cpus.data(), int(cpus.size()), int(rounds), reads.data(), &done,
                        &sig);
  if (rc != 0) throw ErrnoError(env, rc, "tsc_aux probe");
  Napi::Array out = Napi::Array::New(env, done);
  for (int i = 0; i < done; i++) out.Set(uint32_t(i), ReadObject(env, reads[i]));
  Napi::Object o = Napi::Object::New(env);
  o.Set("signal", Napi::Number::New(env, sig));
  o.Set("reads", out);
  // The read the signal interrupted: its CPU, and where getcpu saw the child.
  if (sig != 0 && size_t(done) < reads.size()) {
    Napi::Object f = Napi::Object::New(env);
    f.Set("cpu", Napi::Number::New(env, reads[done].cpu));
    f.Set("cpuBefore", Napi::Number::New(env, reads[done].cpu_before));
    o.Set("faulted", f);
  } else {
    o.Set("faulted", env.Null());
  }
  return o;
}

}  // namespace

void ExportTscAux(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {{"tscAuxProbe", TscAuxProbe}});
}

}  // namespace clocklab::glue
