// main.ts: the command line. Wires every command the same way (argv ->
// its schema -> run -> emit) and alone decides the exit code: 0 all held,
// 1 a check failed (the command's verdict), 2 bad usage or input, 3 the
// machine cannot run the request, 130 interrupted.
import { Command, CommanderError } from 'commander';
import type { Verdict } from '../commands/command.js';
import { COMMANDS, type CommandName } from '../commands/index.js';
import { parseOptions } from '../commands/options.js';
import { Interrupted, UnsupportedError, UsageError } from '../errors.js';
import { packageVersion as version } from '../paths.js';
import type { CliCommand, DepsOf } from './command.js';
import { CLI_COMMANDS } from './commands/index.js';
import { flagNamer, optionsFromFlags } from './flags.js';
import { emit, emitProm, preparePromFile, prepareOutput, setColorOutput, wantsColor, withOutputOptions, type OutputOptions } from './output.js';
import { createProgress, setProgressOutput, type Progress } from './progress.js';
import { recoverAtStartup } from './startup.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, unsupported: 3, interrupted: 130 } as const;


/** What the CLI runs against. Everything defaults to the real machine; tests
 * inject evidence here (a fault at a probe's input) and still go through the
 * real parsing, judging, reporting and exit codes. */
export interface CliDeps {
  /** Per command, what its run gets besides the options (collectors, inputs). */
  inject?: { [N in CommandName]?: Partial<DepsOf<N>> };
  /** Colours on stdout; by default the flags, the environment and the terminal decide. */
  color?: boolean;
  /** A progress bar on stderr; by default, when stderr is a terminal. */
  progress?: boolean;
}

/** What one invocation found out, for main() to turn into an exit code. */
interface Outcome {
  verdict: Verdict | null;
  /** Names options in messages as the flags typed. */
  name: (option: string) => string;
}

/** A command's CLI half wired onto commander: flags, action, output. */
function register<N extends CommandName>(program: Command, cli: CliCommand<N>, deps: CliDeps, outcome: Outcome): void {
  const command = COMMANDS[cli.name];
  const cmd = program.command(cli.name).summary(command.summary).description(cli.description);
  for (const a of cli.args ?? []) cmd.argument(`<${a.name}>`, a.help);
  for (const f of cli.flags) cmd.option(f.flag, f.help);
  if (cli.output === 'report') withOutputOptions(cmd);
  if (cli.output === 'json') cmd.option('--json', 'print the result (schema clocklab/1) as JSON on stdout');
  if (cli.after) cmd.addHelpText('after', cli.after);
  cmd.action(async (...given: unknown[]) => {
    // commander passes the positional arguments first, then the flags' values.
    const positional = cli.args ?? [];
    const values = given[positional.length] as Record<string, unknown> & OutputOptions;
    const fromArgs = Object.fromEntries(positional.map((a, i) => [a.option, given[i]]));
    const named = flagNamer(cli.flags, values);
    outcome.name = (option) => positional.find((a) => a.option === option)?.name ?? named(option);
    prepareOutput(values);
    preparePromFile(values);
    const options = parseOptions(command.options, { ...fromArgs, ...optionsFromFlags(cli.flags, values) });
    // Ctrl-C aborts the run at its next check (the clocksource switcher
    // restores on the same signal); the run rejects with Interrupted.
    const controller = new AbortController();
    const onSigint = (): void => controller.abort(new Interrupted('interrupted (SIGINT): the run was stopped'));
    process.once('SIGINT', onSigint);
    let bar: Progress | null = null;
    const write = (text: string): void => void process.stdout.write(text);
    const pause = (): void => {
      bar?.stop();
      bar = null;
    };
    const live = values.json === true ? {} : (cli.live?.(options as never, write, pause) ?? {});
    let result: unknown;
    const started = performance.now();
    try {
      const run = command.run as (o: unknown, d: unknown) => unknown;
      result = await run(options, {
        ...deps.inject?.[cli.name],
        ...live,
        signal: controller.signal,
        onProgress: (p: { done: number; total: number; label: string }) => {
          bar ??= createProgress(p.total);
          bar.update(p.done, p.label);
        },
      });
    } finally {
      pause();
      process.off('SIGINT', onSigint);
    }
    const verdict = (command.verdict as (r: unknown) => Verdict)(result);
    const run = { version: version(), endedAtMs: Date.now(), durationSeconds: (performance.now() - started) / 1000 };
    await emit(result, verdict, values, cli.text as (r: unknown) => string);
    await emitProm(result, verdict, values, run);
    outcome.verdict = verdict;
  });
}

export function buildProgram(deps: CliDeps = {}, outcome: Outcome = { verdict: null, name: (o) => o }): Command {
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
    '\nThe measuring commands take --json (the result, schema clocklab/1), --out DIR\n(report.json, ' +
      'summary.md, junit.xml, report.html) and --prom FILE (Prometheus text\nformat). Exit codes: 0 all held; 1 a check failed;\n' +
      '2 bad usage or input; 3 the machine cannot run the request; 130 interrupted (Ctrl-C).',
  );
  for (const cli of CLI_COMMANDS) register(program, cli as CliCommand<CommandName>, deps, outcome);
  // A clocksource a SIGKILLed run left switched is put back before any
  // command but `restore` (which reports it itself).
  program.hook('preAction', (_p, cmd) => {
    const flag = (program.opts() as { color?: boolean }).color;
    setColorOutput(deps.color ?? wantsColor(flag, process.env, process.stdout));
    setProgressOutput(deps.progress ?? process.stderr.isTTY === true);
    if (cmd.name() !== 'restore') recoverAtStartup(cmd.name());
  });
  // Each command's --help lists --color/--no-color too (they work after it).
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(run with --help for usage)').configureHelp({ showGlobalOptions: true });
  return program;
}

/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function main(argv: readonly string[], deps: CliDeps = {}): Promise<number> {
  const outcome: Outcome = { verdict: null, name: (o) => o };
  const program = buildProgram(deps, outcome);
  const say = (message: string): void => void process.stderr.write(`clocklab: ${message}\n`);
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof UsageError) {
      say(err.describe(outcome.name));
      return EXIT.usage;
    }
    if (err instanceof UnsupportedError) {
      say(err.describe(outcome.name));
      return EXIT.unsupported;
    }
    if (err instanceof Interrupted) {
      say(err.message);
      return EXIT.interrupted;
    }
    throw err;
  }
  if (outcome.verdict && !outcome.verdict.passed) {
    for (const f of outcome.verdict.failures) say(f);
    return EXIT.failed;
  }
  return EXIT.ok;
}

