// info.ts: `clocklab info`, wired: options -> runInfo -> report.
import type { Command } from 'commander';
import { renderInfoText } from '../../reports/text.js';
import { runInfo } from '../../runners/info.js';
import { emit, prepareOutput, withOutputOptions, type OutputOptions } from '../output.js';

export function registerInfo(program: Command): void {
  withOutputOptions(
    program
      .command('info')
      .summary("what this machine's clocks are made of")
      .description("what this machine's clocks are made of: CPU, TSC flags, hypervisor, TSC frequency, clocksources"),
  ).action((opts: OutputOptions) => {
    prepareOutput(opts);
    emit(runInfo(), opts, renderInfoText);
  });
}
