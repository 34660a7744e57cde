// replay.ts: the probe inputs of a capture (`clocklab capture DIR`, or a
// capture made by hand like ../shared/machines/pvm-on-bhyve-amd/), for
// `--machine DIR`: files through dirSource (source.ts), CPUID from
// cpuid.txt, the pvclock page from pvclock.txt. The probes that run on them
// are the live ones; nothing here reads the running machine.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseTscAuxCapture } from './tsc-aux.js';
import { UsageError } from '../errors.js';
import { capturedAtOf, parseAdjtimex, parseClocks, parseCpuidText, parsePvclockText } from './capture-format.js';
import type { ProbeInputs } from './machine.js';
import type { PvclockPage } from './pvclock.js';
import { recordLooksSane } from './pvclock.js';
import { dirSource, parseUname, realSource } from './source.js';
import { locatePvclockPage } from './vvar.js';

/** The files without which a folder is not a capture. */
export const CAPTURE_REQUIRED = ['cpuid.txt', 'cpuinfo'] as const;

/** `uname -m` names as process.arch names them. */
const ARCH: Record<string, string> = { x86_64: 'x64', i686: 'ia32', i386: 'ia32', aarch64: 'arm64' };

/** The page as pvclock.txt records it, located by the same probe as live
 * (vvar.ts, on maps-vvar.txt and the captured kernel release). */
function replayPage(dir: string, inputs: Pick<ProbeInputs, 'source'>): PvclockPage {
  const location = locatePvclockPage(inputs.source);
  const text = realSource.read(join(dir, 'pvclock.txt'));
  let parsed: ReturnType<typeof parsePvclockText>;
  try {
    parsed = parsePvclockText(text ?? '');
  } catch (err) {
    throw new UsageError(`${join(dir, 'pvclock.txt')}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!location.found) return { state: 'absent', location, reason: location.reason };
  const vcpu0 = parsed.records.find((r) => r.vcpu === 0)?.record;
  if (!vcpu0 || !recordLooksSane(vcpu0)) {
    const why = parsed.state ? `${parsed.state.state}: ${parsed.state.reason}` : text === null ? 'the capture has no pvclock.txt' : 'pvclock.txt holds no record of vCPU 0';
    if (parsed.state?.state === 'faults') return { state: 'faults', location, signal: /raised (SIG[A-Z]+)/.exec(parsed.state.reason)?.[1] ?? 'a signal', reason: parsed.state.reason };
    return { state: 'not-a-record', location, reason: `a replay: ${why}` };
  }
  const records = parsed.records.filter((r) => r.record.mul !== 0);
  return { state: 'readable', location, vcpus: records.map((r) => r.vcpu), vcpu0, records };
}

/** Checks that `dir` is a capture; UsageError (exit 2) saying what is wrong. */
export function requireCapture(dir: string): void {
  if (!existsSync(dir)) throw new UsageError(`{machine}: ${dir} does not exist; give a folder that \`clocklab capture\` wrote`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`{machine}: ${dir} is not a folder; give a folder that \`clocklab capture\` wrote`);
  const missing = CAPTURE_REQUIRED.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new UsageError(`{machine}: ${dir} is not a capture: it has no ${missing.join(' and no ')}; make one with \`clocklab capture DIR\``);
  }
}

/** The probe inputs of the capture in `dir`. Throws UsageError where it is
 * not one, or a file cannot be read. */
export function replayInputs(dir: string): ProbeInputs {
  requireCapture(dir);
  const source = dirSource(dir);
  let cpuid: ProbeInputs['cpuid'];
  try {
    cpuid = parseCpuidText(realSource.read(join(dir, 'cpuid.txt')) ?? '').cpuid;
  } catch (err) {
    throw new UsageError(`{machine}: ${join(dir, 'cpuid.txt')}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const uname = parseUname(realSource.read(join(dir, 'uname')) ?? '');
  const clocks = realSource.read(join(dir, 'clocks.txt'));
  const timex = realSource.read(join(dir, 'adjtimex'));
  const inputs: ProbeInputs = {
    source,
    cpuid,
    replay: {
      dir,
      capturedAt: capturedAtOf(realSource.read(join(dir, 'README.md'))),
      arch: uname ? (ARCH[uname.machine] ?? uname.machine) : 'x64',
      clocks: clocks === null ? null : parseClocks(clocks),
      timex: timex === null ? null : parseAdjtimex(timex),
    },
  };
  inputs.pvclock = () => replayPage(dir, inputs);
  // TSC_AUX as the capture's child probe saw it; a capture without the file
  // says nothing of it (never the live machine's probe).
  const aux = realSource.read(join(dir, 'rdtscp-probe.txt'));
  if (aux !== null) inputs.tscAux = (cpus) => parseTscAuxCapture(aux, { online: cpus });
  return inputs;
}
