// info.ts: `clocklab info` for a person at a terminal.
import type { InfoResultT } from '../../results/info.js';
import { pc, renderFindings, table } from './style.js';

const yes = (b: boolean): string => (b ? pc.green('yes') : pc.red('no'));

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function renderInfoText(r: InfoResultT): string {
  const m = r.machine;
  const out: string[] = [];
  const kv = (k: string, v: string): void => {
    out.push(`${k.padEnd(20)} ${v}`);
  };
  kv('CPU', m.cpu ? `${m.cpu.brand || '(no brand string)'} (${m.cpu.vendor}, family ${m.cpu.family} model ${m.cpu.model} stepping ${m.cpu.stepping})` : 'not x86');
  kv('online CPUs', `${m.onlineCpus.join(',')} (${m.onlineCpus.length})`);
  kv('kernel', `${m.kernel.release} ${m.kernel.arch}`);
  if (m.hypervisor) {
    kv('hypervisor', `${m.hypervisor.signature} (max leaf ${hex(m.hypervisor.maxLeaf)})`);
    if (m.hypervisor.kvmFeatures) {
      const clockBits = ['CLOCKSOURCE', 'CLOCKSOURCE2', 'CLOCKSOURCE_STABLE_BIT'];
      kv('KVM clock features', clockBits.map((b) => `${b} ${yes(m.hypervisor?.kvmFeatures?.includes(b) ?? false)}`).join('  '));
      kv('KVM features', `${hex(m.hypervisor.kvmFeaturesEax ?? 0)}: ${m.hypervisor.kvmFeatures.join(' ')}`);
    }
  } else {
    kv('hypervisor', 'none (bare metal)');
  }
  kv(
    'TSC frequency',
    r.tscFrequency ? `${(r.tscFrequency.hz / 1e6).toFixed(3)} MHz (${r.tscFrequency.source}: ${r.tscFrequency.detail})` : 'unknown',
  );
  if (r.pvclock) {
    const p = r.pvclock;
    kv(
      'pvclock page',
      p.state === 'readable'
        ? `${p.address}, ${p.detail}; ${p.vcpus} vCPU record(s), stable bit ${p.stableBit ? 'set' : 'clear'}`
        : `${p.state}: ${p.detail}`,
    );
  }
  kv('clocksource', `${m.clocksources.current ?? 'unknown'} (available: ${m.clocksources.available.join(', ') || 'none'})`);
  kv('steal since boot', `${r.stealSeconds.toFixed(2)} s`);
  out.push('');
  const f = m.tscFlags;
  out.push(
    table(
      ['TSC flag', 'set', 'from'],
      [
        ['constant_tsc', yes(f.constant_tsc), '/proc/cpuinfo'],
        ['nonstop_tsc', yes(f.nonstop_tsc), '/proc/cpuinfo'],
        ['tsc_reliable', yes(f.tsc_reliable), '/proc/cpuinfo'],
        ['tsc_known_freq', yes(f.tsc_known_freq), '/proc/cpuinfo'],
        ['tsc_adjust', yes(f.tsc_adjust), '/proc/cpuinfo'],
        ['rdtscp', yes(f.rdtscp), '/proc/cpuinfo'],
        ['rdpid', yes(f.rdpid), '/proc/cpuinfo'],
        ['invariant TSC', yes(f.invariantTsc), 'CPUID 0x80000007 EDX[8]'],
      ],
    ),
  );
  out.push('');
  out.push(
    table(
      ['clock', 'id', 'available', 'resolution'],
      r.clocks.map((c) => [c.name, c.id, yes(c.available), c.resolutionNs === null ? '-' : `${c.resolutionNs} ns`]),
      ['left', 'right', 'left', 'right'],
    ),
  );
  if (r.findings.length > 0) out.push('', renderFindings(r.findings));
  return out.join('\n') + '\n';
}
