// main.ts: the command line. Parses, wires commands, and alone decides the
// exit code: 0 all held, 1 a check failed, 2 bad usage or input, 3 the
// machine cannot run the request.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { CheckFailed, UnsupportedError, UsageError } from '../errors.js';
import { packageRoot } from '../native/binding.js';
import { registerCompare } from './commands/compare.js';
import { registerInfo } from './commands/info.js';
import { registerBench } from './commands/bench.js';
import { registerMethods } from './commands/methods.js';
import { registerWarp } from './commands/warp.js';
import { registerPvclock } from './commands/pvclock.js';
import { registerCheck, type CheckInjection } from './commands/check.js';
import { registerRestore } from './commands/restore.js';
import { recoverAtStartup } from './startup.js';
import { setColorOutput, wantsColor } from './output.js';
import { setProgressOutput } from './progress.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, unsupported: 3 } as const;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** What the CLI runs against. Everything defaults to the real machine; tests
 * inject evidence here (a fault at a probe's input) and still go through the
 * real parsing, judging, reporting and exit codes. */
export interface CliDeps {
  check?: CheckInjection;
  /** Colours on stdout; by default the flags, the environment and the terminal decide. */
  color?: boolean;
  /** A progress bar on stderr; by default, when stderr is a terminal. */
  progress?: boolean;
}

export function buildProgram(deps: CliDeps = {}): Command {
  const program = new Command('clocklab')
    .description('How this Linux x86 machine reads time: cost, monotonicity across CPUs, the KVM pvclock page, and which clocksource to use.')
    .version(version())
    .option('--color', 'colour the text report even when stdout is not a terminal')
    .option('--no-color', 'plain text report (also NO_COLOR=1)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.addHelpText(
    'after',
    '\nThe measuring commands take --json (the result, schema clocklab/1) and --out DIR\n(report.json, ' +
      'summary.md, junit.xml, report.html). Exit codes: 0 all held; 1 a check failed;\n' +
      '2 bad usage or input; 3 the machine cannot run the request.',
  );
  // Listed in the order a newcomer would use them.
  registerInfo(program);
  registerMethods(program);
  registerBench(program);
  registerWarp(program);
  registerCompare(program);
  registerPvclock(program);
  registerCheck(program, deps.check);
  registerRestore(program);
  // A clocksource a SIGKILLed run left switched is put back before any
  // command but `restore` (which reports it itself).
  program.hook('preAction', (_p, cmd) => {
    const flag = (program.opts() as { color?: boolean }).color;
    setColorOutput(deps.color ?? wantsColor(flag, process.env, process.stdout));
    setProgressOutput(deps.progress ?? process.stderr.isTTY === true);
    if (cmd.name() !== 'restore') recoverAtStartup();
  });
  // Each command's --help lists --color/--no-color too (they work after it).
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(run with --help for usage)').configureHelp({ showGlobalOptions: true });
  return program;
}

/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function main(argv: readonly string[], deps: CliDeps = {}): Promise<number> {
  const program = buildProgram(deps);
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`clocklab: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof UnsupportedError) {
      process.stderr.write(`clocklab: ${err.message}\n`);
      return EXIT.unsupported;
    }
    if (err instanceof CheckFailed) {
      process.stderr.write(`clocklab: ${err.message}\n`);
      return EXIT.failed;
    }
    throw err;
  }
}
