// timesync.test.ts: is the time-sync check right about the kernel's NTP
// state? The native adjtimex read (modes 0) against the kernel's own view,
// and the judging on injected facts: synchronised, unsynchronised with and
// without a daemon, a PTP clock from the hypervisor, adjtimex refused.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { phrase } from '../src/findings/sentences.js';
import { loadBinding, type NativeTimex } from '../src/native/binding.js';
import { isSynchronised, readTimesync, type TimesyncFacts } from '../src/probes/timesync.js';
import { realSource } from '../src/probes/source.js';
import { judgeTimesync } from '../src/runners/check/judge.js';

const binding = loadBinding();

const timex = (over: Partial<NativeTimex>): NativeTimex => ({
  state: 0,
  status: 0x2000,
  offsetNs: -3200,
  maxErrorUs: 1500,
  estErrorUs: 20,
  freqPpm16: 0,
  taiSeconds: 37,
  ...over,
});
const facts = (t: NativeTimex, daemons: TimesyncFacts['daemons'] = [], ptpClocks: TimesyncFacts['ptpClocks'] = []): TimesyncFacts => ({
  timex: { ...t, synchronised: isSynchronised(t) },
  daemons,
  ptpClocks,
});

describe('adjtimex (modes 0) on this machine', () => {
  it('reads the NTP state and changes nothing', () => {
    const a = binding.adjtimex();
    const b = binding.adjtimex();
    // TIME_OK .. TIME_ERROR (include/uapi/linux/timex.h); the same state twice.
    expect(a.state).toBeGreaterThanOrEqual(0);
    expect(a.state).toBeLessThanOrEqual(5);
    expect(b.status).toBe(a.status);
    expect(b.freqPpm16).toBe(a.freqPpm16);
    expect(a.maxErrorUs).toBeGreaterThanOrEqual(0);
    process.stderr.write(`adjtimex: state ${a.state}, status 0x${a.status.toString(16)}, maxerror ${a.maxErrorUs} us, synchronised ${isSynchronised(a)}\n`);
  });

  it('finds the PTP clocks sysfs lists, and the daemons /proc shows', () => {
    const t = readTimesync(binding, realSource);
    let ptp: string[] = [];
    try {
      ptp = readdirSync('/sys/class/ptp').filter((d) => /^ptp\d+$/.test(d));
    } catch {
      ptp = [];
    }
    expect(t.ptpClocks.map((c) => c.device).sort()).toEqual(ptp.sort());
    expect('error' in t.timex).toBe(false);
  });
});

describe('judging time sync', () => {
  it('ok when synchronised, with the daemon and the error bounds', () => {
    const v = judgeTimesync(facts(timex({}), ['chrony']), true);
    expect(v.status).toBe('ok');
    expect(v.evidence).toMatchObject({ synchronised: true, daemons: 'chrony', maxErrorUs: 1500, estErrorUs: 20, offsetNs: -3200 });
    expect(phrase(v.findings[0]!).text).toBe('synchronised by chrony: maximum error 1.500 ms, estimated 0.020 ms, last offset -3.2 us');
  });

  it('warns when TIME_ERROR or STA_UNSYNC, and says how to fix it', () => {
    expect(isSynchronised(timex({ state: 5 }))).toBe(false);
    expect(isSynchronised(timex({ status: 0x2040 }))).toBe(false);
    const none = judgeTimesync(facts(timex({ state: 5, status: 0x2040, maxErrorUs: 16_000_000 })), false);
    expect(none.status).toBe('warn');
    const p = phrase(none.findings[0]!);
    expect(p.text).toBe('the kernel says the clock is not synchronised and no time daemon runs; maximum error 16.0 s');
    expect(p.advice).toContain('apt install chrony');
    expect(p.advice).not.toContain('ptp');
  });

  it('points at the PTP clock the hypervisor offers, or at ptp_kvm on KVM', () => {
    const kvmPtp = judgeTimesync(facts(timex({ state: 5 }), [], [{ device: 'ptp0', name: 'KVM virtual PTP' }]), true);
    expect(kvmPtp.evidence['ptpKvm']).toBe('ptp0');
    expect(phrase(kvmPtp.findings[0]!).advice).toContain('refclock PHC /dev/ptp0 poll 2');
    const kvmNoPtp = judgeTimesync(facts(timex({ state: 5 })), true);
    expect(phrase(kvmNoPtp.findings[0]!).advice).toContain('modprobe ptp_kvm');
  });

  it('names what to look at when a daemon runs but has not synchronised', () => {
    const v = judgeTimesync(facts(timex({ state: 5 }), ['systemd-timesyncd']), false);
    const p = phrase(v.findings[0]!);
    expect(p.text).toContain('(running: systemd-timesyncd)');
    expect(p.advice).toContain('timedatectl timesync-status');
  });

  it('skips, saying why, when adjtimex cannot be read', () => {
    const v = judgeTimesync({ timex: { error: 'adjtimex: Operation not permitted' }, daemons: [], ptpClocks: [] }, false);
    expect(v.status).toBe('skipped');
    expect(phrase(v.findings[0]!).text).toContain('Operation not permitted');
  });
});
