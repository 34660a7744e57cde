// index.ts (cli commands): every command's CLI half, in --help's order.
import { benchCli } from './bench.js';
import { captureCli } from './capture.js';
import { checkCli } from './check.js';
import { compareCli } from './compare.js';
import { infoCli } from './info.js';
import { methodsCli } from './methods.js';
import { orderCli } from './order.js';
import { pvclockCli } from './pvclock.js';
import { restoreCli } from './restore.js';
import { warpCli } from './warp.js';

export const CLI_COMMANDS = [infoCli, methodsCli, benchCli, warpCli, orderCli, compareCli, pvclockCli, checkCli, restoreCli, captureCli] as const;
