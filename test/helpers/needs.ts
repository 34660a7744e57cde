// needs.ts: tests say what they need of the machine; where it is missing they
// skip and print why, so a skip is never silent.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadBinding } from '../../src/native/binding.js';
import { readClocksources } from '../../src/probes/clocksource.js';
import { onlineCpus } from '../../src/probes/cpus.js';
import { openPvclockPage } from '../../src/probes/pvclock.js';

export interface Needs {
  root?: boolean;
  /** The kernel runs on a KVM-family clock (kvm-clock offered, or the pvclock page readable). */
  kvm?: boolean;
  x86?: boolean;
  cpus?: number;
  rdtscp?: boolean;
  rdpid?: boolean;
  clocksources?: string[];
  chromium?: boolean;
  /** The kernel log (dmesg) can be read: a test counts the switches it logged. */
  dmesg?: boolean;
  /** Programs that must be on PATH, e.g. promtool. */
  commands?: string[];
}

/** Where a needed program comes from, for the skip message (Debian packages). */
const PACKAGE_OF: Record<string, string> = {
  promtool: 'prometheus',
  'prometheus-node-exporter': 'prometheus-node-exporter',
  'systemd-analyze': 'systemd',
};

function onPath(command: string): boolean {
  return (process.env['PATH'] ?? '').split(':').some((d) => d !== '' && existsSync(`${d}/${command}`));
}

/** A reason to skip, printed where the run's log shows it; null passes through.
 * For conditions `unmet` does not know: `it.skipIf(skipping(x ? null : 'needs x'))`. */
export function skipping(why: string | null): string | null {
  if (why !== null) process.stderr.write(`[SKIP] ${why}\n`);
  return why;
}

/** Returns null when every need is met, else the reason (and prints it). */
export function unmet(needs: Needs): string | null {
  const reasons: string[] = [];
  const b = loadBinding();
  if (needs.x86 && !b.isX86) reasons.push('needs an x86 CPU');
  if (needs.root && process.getuid?.() !== 0) reasons.push('needs root');
  if (needs.kvm) {
    // The kernel runs on a KVM-family clock: kvm-clock offered, or the
    // pvclock page readable. Not a CPUID signature: under PVM user-space
    // CPUID shows the outer hypervisor.
    const cs = readClocksources();
    const kvmClock = cs.available.includes('kvm-clock') || cs.current === 'kvm-clock';
    if (!kvmClock && !(b.isX86 && openPvclockPage(b).state === 'readable')) reasons.push('needs a KVM-family clock (kvm-clock or a readable pvclock page)');
  }
  if (needs.cpus && onlineCpus().length < needs.cpus) reasons.push(`needs ${needs.cpus} online CPUs`);
  if (needs.rdtscp && !b.features().rdtscp) reasons.push('needs RDTSCP');
  if (needs.rdpid && !b.features().rdpid) reasons.push('needs RDPID');
  // The stand-in project where no stand-in could be mounted
  // (test/helpers/standin-pool.ts): it must never switch the real ones.
  const noStandIn = process.env['CLOCKLAB_STANDIN_UNMET'];
  if (needs.clocksources && noStandIn) reasons.push(noStandIn);
  for (const cs of needs.clocksources ?? []) {
    if (!readClocksources().available.includes(cs)) reasons.push(`needs clocksource ${cs}`);
  }
  if (needs.chromium && !existsSync('/usr/bin/chromium')) reasons.push('needs /usr/bin/chromium (apt-get install chromium)');
  for (const c of needs.commands ?? []) {
    if (!onPath(c)) reasons.push(`needs ${c} on PATH${PACKAGE_OF[c] ? ` (apt-get install ${PACKAGE_OF[c]})` : ''}`);
  }
  if (needs.dmesg && spawnSync('dmesg', [], { stdio: 'ignore' }).status !== 0) reasons.push('needs a readable kernel log (dmesg)');
  return skipping(reasons.length === 0 ? null : reasons.join('; '));
}
