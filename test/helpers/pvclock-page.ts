// pvclock-page.ts: a stand-in pvclock page in shared memory for tests that
// inject what the real page never shows (a torn record): record 0 is sane
// (version 2, mul/shift of a 2.445 GHz TSC, TSC_STABLE), the rest zero.
// Layout: struct pvclock_vcpu_time_info, arch/x86/include/asm/pvclock-abi.h.
export function fakePvclockPage(): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(4096);
  const dv = new DataView(sab);
  dv.setUint32(0, 2, true); // version
  dv.setBigUint64(8, 1000n, true); // tsc_timestamp
  dv.setBigUint64(16, 5000n, true); // system_time
  dv.setUint32(24, 3512683826, true); // tsc_to_system_mul
  dv.setInt8(28, -1); // tsc_shift
  dv.setUint8(29, 1); // flags: TSC_STABLE
  return sab;
}
