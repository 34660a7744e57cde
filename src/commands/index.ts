// index.ts (commands): every command, in the order a newcomer would use them.
// The CLI registers each and the library exposes each from this one list.
import { bench } from './bench.js';
import { capture } from './capture.js';
import { check } from './check.js';
import { compare } from './compare.js';
import { info } from './info.js';
import { methods } from './methods.js';
import { order } from './order.js';
import { pvclock } from './pvclock.js';
import { restore } from './restore.js';
import { tsc } from './tsc.js';
import { warp } from './warp.js';

export const COMMANDS = { info, methods, bench, warp, order, tsc, compare, pvclock, check, restore, capture } as const;

export type CommandName = keyof typeof COMMANDS;
