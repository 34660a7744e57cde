// napi/pvclock.cc: what do the pvclock records (native/pvclock.h) look like
// to JavaScript, and where may a read come from: the page set by
// pvclockSetPage or a test's bytes?
//
// Addresses from JS reach native loads only through pvclockSetPage, which
// probes first; the readers take either that page or a Uint8Array a test
// fills (its bytes stand in for the page, read by the very same code).
#include <cerrno>
#include <string>
#include <vector>

#include "../pvclock.h"
#include "args.h"

namespace clocklab::glue {

namespace {

uint64_t AddrArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsBigInt()) throw Napi::TypeError::New(info.Env(), "address must be a bigint");
  bool lossless = false;
  uint64_t a = info[i].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw Napi::RangeError::New(info.Env(), "address must fit in 64 bits");
  return a;
}

const uint8_t* PvclockSource(const Napi::CallbackInfo& info, size_t i, int nrecords) {
  Napi::Env env = info.Env();
  if (info.Length() > i && info[i].IsTypedArray()) {
    Napi::TypedArray t = info[i].As<Napi::TypedArray>();
    if (t.TypedArrayType() != napi_uint8_array) throw Napi::TypeError::New(env, "source must be a Uint8Array");
    Napi::Uint8Array u = t.As<Napi::Uint8Array>();
    if (u.ByteLength() < size_t(nrecords) * PVCLOCK_STRIDE)
      throw Napi::RangeError::New(env, "source is smaller than nrecords * 64 bytes");
    if (uintptr_t(u.Data()) % 8 != 0) throw Napi::RangeError::New(env, "source must be 8-byte aligned");
    return u.Data();
  }
  if (info.Length() > i && !info[i].IsUndefined() && !info[i].IsNull())
    throw Napi::TypeError::New(env, "source must be a Uint8Array or undefined (the page set by pvclockSetPage)");
  const uint8_t* p = pvclock_page();
  if (!p) throw ErrnoError(env, -ENXIO, "no pvclock page set (pvclockSetPage)");
  return p;
}

int RecordsArg(const Napi::CallbackInfo& info, size_t i) {
  uint32_t n = U32Arg(info, i, "nrecords");
  if (n < 1 || n > uint32_t(PVCLOCK_MAX_RECORDS))
    throw Napi::RangeError::New(info.Env(), "nrecords must be 1 to " + std::to_string(PVCLOCK_MAX_RECORDS));
  return int(n);
}

Napi::Object RecordObject(Napi::Env env, const pvclock_record& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", Napi::Number::New(env, r.version));
  o.Set("tscTimestamp", Napi::BigInt::New(env, r.tsc_timestamp));
  o.Set("systemTimeNs", Napi::BigInt::New(env, r.system_time));
  o.Set("mul", Napi::Number::New(env, r.mul));
  o.Set("shift", Napi::Number::New(env, r.shift));
  o.Set("flags", Napi::Number::New(env, r.flags));
  return o;
}

Napi::Value PvclockProbe(const Napi::CallbackInfo& info) {
  uint64_t addr = AddrArg(info, 0);
  int sig = 0;
  int rc = pvclock_probe(addr, &sig);
  if (rc != 0) throw ErrnoError(info.Env(), rc, "pvclock probe");
  return Napi::Number::New(info.Env(), sig);
}

Napi::Value PvclockSetPage(const Napi::CallbackInfo& info) {
  uint64_t addr = AddrArg(info, 0);
  int rc = pvclock_set_page(addr);
  if (rc != 0) throw ErrnoError(info.Env(), rc, "pvclock page");
  return info.Env().Undefined();
}

Napi::Value PvclockPageAddress(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), uint64_t(uintptr_t(pvclock_page())));
}

// pvclockRead(source, nrecords): { tsc, records: [{ ...record, nsAtTsc }] }.
Napi::Value PvclockRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Require(env, PVCLOCK_READ_REQUIRES);
  int n = RecordsArg(info, 1);
  const uint8_t* base = PvclockSource(info, 0, n);
  std::vector<pvclock_record> recs(n);
  std::vector<uint64_t> ns_at(n);
  uint64_t tsc = 0;
  int failed = 0;
  int rc = pvclock_read_all(base, n, recs.data(), ns_at.data(), &tsc, &failed);
  if (rc != 0) throw ErrnoError(env, rc, "pvclock record " + std::to_string(failed));
  Napi::Array a = Napi::Array::New(env, n);
  for (int i = 0; i < n; i++) {
    Napi::Object o = RecordObject(env, recs[i]);
    o.Set("nsAtTsc", Napi::BigInt::New(env, ns_at[i]));
    a.Set(uint32_t(i), o);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("tsc", Napi::BigInt::New(env, tsc));
  out.Set("records", a);
  return out;
}

Napi::Value PvclockScale(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsBigInt() || !info[2].IsNumber())
    throw Napi::TypeError::New(env, "pvclockScale(delta: bigint, mul: number, shift: number)");
  bool lossless = false;
  uint64_t delta = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
  uint32_t mul = U32Arg(info, 1, "mul");
  int shift = info[2].As<Napi::Number>().Int32Value();
  if (!lossless || shift < -128 || shift > 127) throw Napi::RangeError::New(env, "delta or shift out of range");
  return Napi::BigInt::New(env, pvclock_scale(delta, mul, int8_t(shift)));
}

Napi::Value PvclockTscHz(const Napi::CallbackInfo& info) {
  uint32_t mul = U32Arg(info, 0, "mul");
  int shift = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
  if (shift < -31 || shift > 31) throw Napi::RangeError::New(info.Env(), "shift must be -31..31");
  return Napi::Number::New(info.Env(), pvclock_tsc_hz(mul, int8_t(shift)));
}

// pvclockPair(methodIndex, clockId, tries): the read is the method's, which
// must be one that reads the pvclock page.
Napi::Value PvclockPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const method& m = MethodArg(info, 0);
  uint32_t clock = U32Arg(info, 1, "clock id");
  uint32_t tries = U32Arg(info, 2, "tries");
  if (method_page_of(m) != PAGE_PVCLOCK) throw Napi::RangeError::New(env, "pvclockPair takes a pvclock method");
  Prepare(env, m);
  pvclock_pair p{};
  int rc = pvclock_pair_read(m, int(clock), int(tries), &p);
  if (rc != 0) throw ErrnoError(env, rc, m.name);
  Napi::Object o = Napi::Object::New(env);
  o.Set("beforeNs", Napi::BigInt::New(env, p.before_ns));
  o.Set("valueNs", Napi::BigInt::New(env, p.value_ns));
  o.Set("afterNs", Napi::BigInt::New(env, p.after_ns));
  return o;
}

Napi::Value PvclockWatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = RecordsArg(info, 1);
  const uint8_t* base = PvclockSource(info, 0, n);
  if (info.Length() < 3 || !info[2].IsNumber()) throw Napi::TypeError::New(env, "seconds must be a number");
  double seconds = info[2].As<Napi::Number>().DoubleValue();
  if (!(seconds >= 0 && seconds <= 86400)) throw Napi::RangeError::New(env, "seconds must be 0 to 86400");
  uint32_t max_events = info.Length() > 3 ? U32Arg(info, 3, "max events") : PVCLOCK_WATCH_EVENTS;
  std::vector<pvclock_watch_counts> counts(n);
  std::vector<pvclock_torn_event> events(max_events);
  int nevents = 0;
  int rc = pvclock_watch(base, n, seconds, counts.data(), events.data(), int(max_events), &nevents);
  if (rc != 0) throw ErrnoError(env, rc, "pvclock watch");
  Napi::Array c = Napi::Array::New(env, n);
  for (int i = 0; i < n; i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("polls", Napi::Number::New(env, double(counts[i].polls)));
    o.Set("versionChanges", Napi::Number::New(env, double(counts[i].version_changes)));
    o.Set("oddReads", Napi::Number::New(env, double(counts[i].odd_reads)));
    o.Set("tornReads", Napi::Number::New(env, double(counts[i].torn_reads)));
    o.Set("firstVersion", Napi::Number::New(env, counts[i].first_version));
    o.Set("lastVersion", Napi::Number::New(env, counts[i].last_version));
    c.Set(uint32_t(i), o);
  }
  Napi::Array t = Napi::Array::New(env, nevents);
  for (int i = 0; i < nevents; i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("monotonicNs", Napi::BigInt::New(env, events[i].mono_ns));
    o.Set("vcpu", Napi::Number::New(env, events[i].vcpu));
    o.Set("version", Napi::Number::New(env, events[i].version));
    o.Set("before", RecordObject(env, events[i].before));
    o.Set("after", RecordObject(env, events[i].after));
    t.Set(uint32_t(i), o);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("counts", c);
  out.Set("torn", t);
  return out;
}

}  // namespace

void ExportPvclock(Napi::Env env, Napi::Object exports) {
  exports.Set("pvclockStrideBytes", Napi::Number::New(env, PVCLOCK_STRIDE));
  exports.Set("pvclockMaxRecords", Napi::Number::New(env, PVCLOCK_MAX_RECORDS));
  Export(env, exports,
         {{"pvclockProbe", PvclockProbe}, {"pvclockSetPage", PvclockSetPage},
          {"pvclockPageAddress", PvclockPageAddress}, {"pvclockRead", PvclockRead},
          {"pvclockScale", PvclockScale}, {"pvclockTscHz", PvclockTscHz},
          {"pvclockPair", PvclockPair}, {"pvclockWatch", PvclockWatch}});
}

}  // namespace clocklab::glue
