#!/usr/bin/env node
// cli.ts: the `clocklab` executable.
import { main } from './cli/main.js';

process.exitCode = await main(process.argv);
