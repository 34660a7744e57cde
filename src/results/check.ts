// check.ts: the result of `clocklab check`: is this machine's time healthy?
import { z } from 'zod';
import { Disturbance, Finding, resultHead, type FindingT } from './common.js';

export const CheckStatus = z.enum(['ok', 'warn', 'fail', 'skipped']);

export const CheckItem = z.object({
  name: z.enum(['vdso', 'warp', 'tsc', 'pvclock', 'clocksource', 'disturbance', 'timesync']),
  title: z.string().describe('what the check asks, one line'),
  status: CheckStatus,
  summary: z.string().describe('the verdict in one sentence, with the figures'),
  advice: z.string().nullable().describe('what to do, where something is wrong'),
  evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  elapsedMs: z.number(),
});

export const CheckRecordedOptions = z.object({
  warpSeconds: z.number(),
  strict: z.boolean(),
  compareFile: z.string().nullable(),
  light: z.boolean().optional().describe('the light profile for periodic runs (check --light); absent in results of earlier versions'),
});

export const CheckResult = z.object({
  ...resultHead('check'),
  options: CheckRecordedOptions,
  checks: z.array(CheckItem),
  verdict: z.enum(['healthy', 'warnings', 'unhealthy']),
  elapsedMs: z.number(),
  disturbance: Disturbance,
  findings: z.array(Finding),
});

export type CheckStatusT = z.infer<typeof CheckStatus>;
export type CheckItemT = z.infer<typeof CheckItem>;
export type CheckResultT = z.infer<typeof CheckResult>;

/** A check as the runner returns it: codes and figures, no prose
 * (src/findings/phrase.ts phraseCheck adds the title, summary and advice). */
export type CheckItemRawT = Pick<CheckItemT, 'name' | 'status' | 'evidence' | 'elapsedMs'> & { findings: FindingT[] };
export type CheckResultRawT = Omit<CheckResultT, 'checks'> & { checks: CheckItemRawT[] };
