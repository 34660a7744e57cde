#!/usr/bin/env node
// cli.ts: the `clocklab` executable.
import { main } from './cli/main.js';

// `clocklab ... | head` closes the pipe early: that is the reader's choice,
// not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv);
