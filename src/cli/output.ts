// output.ts: where a command's result goes: the text report on stdout, or
// with --json the result object itself. Progress and notes go to stderr.
export interface OutputOptions {
  json?: boolean;
}

export function emit<R>(result: R, options: OutputOptions, renderText: (r: R) => string): void {
  if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(renderText(result));
}

/** A note for the person at the terminal, never mixed into stdout. */
export function note(message: string): void {
  process.stderr.write(`clocklab: ${message}\n`);
}
