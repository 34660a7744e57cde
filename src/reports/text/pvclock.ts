// pvclock.ts: the sentences for the pvclock finding codes (the pvclock
// report itself is model/pvclock.ts, drawn by ../text.ts).
import { definePhrases } from '../findings.js';

definePhrases({
  PVCLOCK_RECORDS_DISAGREE: (a) => ({
    text: `The vCPUs' pvclock records disagree (fields: ${String(a['fields'])}); one TSC value gives up to ${String(a['maxNsDifference'])} ns difference.`,
    advice: 'A reader that uses only vCPU 0 (the vDSO) is then not exact on the other vCPUs; expect the stable bit to be clear.',
  }),
  PVCLOCK_STABLE_BIT_CLEAR: () => ({
    text: "vCPU 0's record lacks PVCLOCK_TSC_STABLE_BIT: the vDSO will not read the page and falls back to the clock_gettime syscall.",
    advice: 'The host is not in KVM master-clock mode (host clocksource not tsc, or vCPU TSCs unmatched).',
  }),
  PVCLOCK_GUEST_STOPPED: () => ({ text: 'A record carries PVCLOCK_GUEST_STOPPED: the host paused this guest and the guest has not cleared it yet.', advice: null }),
  PVCLOCK_PAGE_NOT_IN_USE: (a) => ({
    text: `The vDSO does not read this page now (clocksource ${String(a['clocksource'])}, stable bit ${a['stableBit'] ? 'set' : 'clear'}); it is still mapped because kvm-clock was used since boot.`,
    advice: null,
  }),
  PVCLOCK_LAYOUT_UNVERIFIED: (a) => ({
    text: `The page was found by a layout taken from kernel history: ${String(a['detail'])}.`,
    advice: 'vCPU 0 held a plausible record there; check the figures against dmesg "tsc: Detected".',
  }),
  PVCLOCK_TORN_READ: (a) => ({
    text: `${String(a['tornReads'])} torn read(s) in ${String(a['seconds'])} s: a record changed while its version stayed the same.`,
    advice: 'A seqlock reader cannot detect this; report the host kernel and hypervisor (kernel-facts §4: the pre-2015 KVM update bug).',
  }),
  PVCLOCK_ODD_READS: (a) => ({ text: `${String(a['oddReads'])} read(s) saw an odd version: the host was updating the record, and the seqlock made the reader retry.`, advice: null }),
});
