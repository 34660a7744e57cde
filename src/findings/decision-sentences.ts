// decision-sentences.ts: the kernel's clock decisions in words: why a
// clocksource is recommended (basisText), and why tsc is not offered, with
// its evidence and remedy (TSC_WITHHELD in info, CHECK_TSC_WITHHELD in check).
import type { FindingArgs, RecommendationBasis } from './codes.js';
import { said, type Phrase } from './phrase-kit.js';

/** Why the clocksource check recommends what it does, in words. */
export function basisText(a: RecommendationBasis): string {
  switch (a.basis) {
    case 'tsc-sound':
      return 'the TSC is constant, non-stop and invariant, so tsc reads in the vDSO without the pvclock indirection';
    case 'tsc-untrusted':
      return a.tscKind
        ? `the kernel measured the TSC and found it wrong (${WITHHELD_SHORT[a.tscKind] ?? a.tscKind}), so it does not offer tsc`
        : 'the TSC is not constant, non-stop and invariant here, and kvm-clock does not depend on that';
    case 'tsc-withheld':
      return `the kernel does not offer tsc (${a.tscKind === 'boot-parameter' && a.tscOption ? `the boot parameter ${a.tscOption} removed it` : (WITHHELD_SHORT[a.tscKind ?? 'unknown'] ?? 'reason unknown')}), so the paravirtual clock is the only choice; nothing measured the TSC as bad`;
    case 'none-qualifies':
      return 'neither tsc nor kvm-clock qualifies';
    case 'stored': {
      const said =
        a.storedLevel === 'none' || a.storedLevel === null || a.storedClocksource === null
          ? `the stored comparison made no recommendation: ${a.storedReason ?? ''}`
          : `a stored comparison ${a.storedLevel === 'recommend' ? 'recommends' : 'leans to'} ${a.storedClocksource}: ${a.storedReason ?? ''}`;
      return `${said} (from ${a.from ?? 'unknown'})`;
    }
  }
}

/** Why tsc is not offered, in a few words (KernelView tsc.withheld.kind). */
const WITHHELD_SHORT: Record<string, string> = {
  'boot-parameter': 'a boot parameter marked it unstable',
  watchdog: 'the clocksource watchdog measured it against another clock',
  'sync-check': 'the TSC sync check at CPU bring-up saw it go backwards between CPUs',
  unsynchronized: "the kernel's rule for TSCs on several packages without constant_tsc",
  cpufreq: 'its rate follows the CPU frequency',
  idle: 'it stops in deep C-states',
  hypervisor: 'the hypervisor says its TSC is not invariant',
  other: 'the kernel marked it unstable',
  unknown: 'the kernel log does not say why',
};

export const secs = (t: number | null): string => (t === null ? '' : ` at ${t.toFixed(3)} s`);

/** Why tsc is not offered, with its evidence and remedy: the sentence of
 * TSC_WITHHELD (info) and CHECK_TSC_WITHHELD (check). */
export function withheldPhrase(a: FindingArgs<'TSC_WITHHELD'>): Phrase {
  const logged = a.reason !== null ? ` (kernel log${secs(a.timeS)}: "Marking TSC unstable due to ${a.reason}")` : '';
  const asked = a.clocksourceAsked !== null && a.clocksourceAsked !== 'tsc' ? `; clocksource=${a.clocksourceAsked} also asks for ${a.clocksourceAsked}` : '';
  switch (a.kind) {
    case 'boot-parameter': {
      const opt = a.option ?? 'tsc=unstable';
      const both = a.contradiction
        ? '; tsc=reliable is given too, and the two contradict: every tsc= option applies (arch/x86/kernel/tsc.c, tsc_setup()) and an unstable mark is never undone'
        : '';
      return said(
        `tsc is not offered: the boot parameter ${opt} marked it unstable${logged}${both}${asked}`,
        `remove ${opt} from the kernel command line to offer tsc${asked ? ` (and clocksource=${a.clocksourceAsked ?? ''} to let the kernel choose)` : ''}${a.flagsGood ? '; nothing measured the TSC as bad here: constant_tsc, nonstop_tsc and the invariant TSC are set' : ''}`,
      );
    }
    case 'watchdog': {
      const by =
        a.skewNs !== null && a.wdNsec !== null
          ? `: '${a.watchdogClock ?? 'tsc'}' ran ${a.skewNs} ns off '${a.watchdogAgainst ?? 'the watchdog'}' over an interval of ${a.wdNsec} ns${a.cpu !== null ? ` (CPU ${a.cpu})` : ''}`
          : '';
      return said(
        `tsc is not offered: the clocksource watchdog measured it against ${a.watchdogAgainst ?? 'another clock'} and marked it unstable${by}${logged} (kernel/time/clocksource.c)`,
        'the TSC and the watchdog clock disagreed: keep the current clocksource, and report the host with these lines (dmesg | grep -A4 "watchdog on CPU")',
      );
    }
    case 'sync-check':
      return said(
        `tsc is not offered: at CPU bring-up the TSC went backwards${a.warpCycles !== null ? ` ${a.warpCycles} cycles` : ''}${a.fromCpu !== null && a.toCpu !== null ? ` between CPU ${a.fromCpu} and CPU ${a.toCpu}` : ''}${logged} (arch/x86/kernel/tsc_sync.c)`,
        "the CPUs' TSCs are not synchronised: keep the current clocksource, and report the host or firmware",
      );
    case 'unknown':
      return said(
        `tsc is not offered, and ${a.logRead ? 'the kernel log does not say why (its early lines may have been overwritten)' : 'the kernel log could not be read'}${asked}`,
        `read the reason with \`dmesg | grep -i tsc\`${a.logRead ? '' : ' as root'}; the command line's clock options are in /proc/cmdline`,
      );
    default:
      return said(`tsc is not offered: the kernel marked it unstable because ${WITHHELD_SHORT[a.kind] ?? a.kind}${logged}${asked}`, null);
  }
}
