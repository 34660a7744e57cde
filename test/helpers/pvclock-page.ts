// pvclock-page.ts: a stand-in pvclock page in shared memory for tests that
// inject what the real page never shows (a torn record, a clear stable bit,
// vCPUs that disagree). By default record 0 is sane (version 2, mul/shift of
// a 2.445 GHz TSC, TSC_STABLE) and the rest are zero; `records` sets each
// vCPU's record from that one, field by field.
// Layout: struct pvclock_vcpu_time_info, arch/x86/include/asm/pvclock-abi.h,
// at the 64-byte stride of struct pvclock_vsyscall_time_info.
export interface FakeRecord {
  version: number;
  tscTimestamp: bigint;
  systemTime: bigint;
  mul: number;
  shift: number;
  flags: number;
}

const SANE: FakeRecord = { version: 2, tscTimestamp: 1000n, systemTime: 5000n, mul: 3512683826, shift: -1, flags: 1 };

export function fakePvclockPage(records: ReadonlyArray<Partial<FakeRecord>> = [{}]): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(4096);
  const dv = new DataView(sab);
  records.forEach((partial, vcpu) => {
    const r = { ...SANE, ...partial };
    const at = vcpu * 64;
    dv.setUint32(at + 0, r.version, true);
    dv.setBigUint64(at + 8, r.tscTimestamp, true);
    dv.setBigUint64(at + 16, r.systemTime, true);
    dv.setUint32(at + 24, r.mul, true);
    dv.setInt8(at + 28, r.shift);
    dv.setUint8(at + 29, r.flags);
  });
  return sab;
}
