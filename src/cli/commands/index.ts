// index.ts (cli commands): every command's CLI half, in --help's order (the
// command list's, src/commands/index.ts).
import { benchCli } from './bench.js';
import { captureCli } from './capture.js';
import { checkCli } from './check.js';
import { compareCli } from './compare.js';
import { infoCli } from './info.js';
import { methodsCli } from './methods.js';
import { orderCli } from './order.js';
import { pvclockCli } from './pvclock.js';
import { restoreCli } from './restore.js';
import { tscCli } from './tsc.js';
import { warpCli } from './warp.js';

import { COMMANDS, type CommandName } from '../../commands/index.js';
import type { CliCommand } from '../command.js';

/** Every command's CLI half, keyed by the command list: a command there
 * does not compile until it has its CLI half here. */
const CLI_TABLE: { [N in CommandName]: CliCommand<N> } = {
  info: infoCli,
  methods: methodsCli,
  bench: benchCli,
  warp: warpCli,
  order: orderCli,
  tsc: tscCli,
  compare: compareCli,
  pvclock: pvclockCli,
  check: checkCli,
  restore: restoreCli,
  capture: captureCli,
};

/** In the command list's order, which is --help's. */
export const CLI_COMMANDS = (Object.keys(COMMANDS) as CommandName[]).map((name) => CLI_TABLE[name]);
