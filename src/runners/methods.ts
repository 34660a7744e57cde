// methods.ts: which of clocklab's methods can this machine run, and why not?
// One read of each (guarded: a missing instruction is an error, never SIGILL).
import { METHODS } from '../methods.js';
import { loadBinding, type Binding } from '../native/binding.js';
import { methodAvailability, replayAvailability, tscAuxCaveat } from '../probes/availability.js';
import { probeMachine, realInputs, type ProbeInputs } from '../probes/machine.js';
import { pvclockPageOf, pvclockUnavailableMessage } from '../probes/pvclock.js';
import { tscAuxOf } from '../probes/tsc-aux.js';
import type { MethodsResultT } from '../results/methods.js';

export interface MethodsOptions {
  binding?: Binding;
  /** Probe inputs; tests inject a /proc/cpuinfo without constant_tsc here. */
  inputs?: ProbeInputs;
}

export function runMethods(options: MethodsOptions = {}): MethodsResultT {
  const binding = options.binding ?? loadBinding();
  const inputs = options.inputs ?? realInputs(binding);
  const machine = probeMachine(inputs).machine;
  // RDTSCP and RDPID tried in a child process: what CPUID hides that runs, a TSC_AUX that is not the CPU.
  const tscAux = tscAuxOf(inputs, binding);
  // A replay decides from the capture, running nothing (availability.ts).
  const page = inputs.replay ? pvclockPageOf(binding, inputs) : null;
  const pageReadable = page === null ? false : page.state === 'readable' ? true : pvclockUnavailableMessage(page, null);
  const tscOk = machine.tscFlags.constant_tsc && machine.tscFlags.nonstop_tsc;
  return {
    schema: 'clocklab/1',
    command: 'methods',
    startedAt: new Date().toISOString(),
    machine,
    methods: METHODS.map((spec) => {
      const a: ReturnType<typeof replayAvailability> = inputs.replay ? replayAvailability(spec, inputs, pageReadable, tscAux) : methodAvailability(binding, spec, inputs);
      const caveats = [
        a.available && spec.requires.includes('constant_tsc') && !tscOk
          ? 'the TSC is not constant and non-stop here (/proc/cpuinfo): its cycles do not convert to time'
          : null,
        a.caveat ?? null,
        tscAuxCaveat(spec, tscAux),
      ].filter((c) => c !== null);
      const caveat = caveats.length === 0 ? null : caveats.join('; ');
      return {
        method: spec.id,
        description: spec.description,
        path: spec.path,
        contract: spec.contract,
        unit: spec.unit,
        requires: [...spec.requires],
        available: a.available,
        reason: a.available ? null : a.reason,
        cause: a.available ? null : a.cause,
        caveat,
        loadOrdered: spec.order?.load ?? null,
        storeOrdered: spec.order?.store ?? null,
        orderSource: spec.order?.source ?? null,
      };
    }),
  };
}
