// phrase.ts: the prose fields of a result, filled in from its finding codes.
// Runners return codes and figures only (the *RawT types); these turn a raw
// result into the full one, whose prose fields (checks[].summary and advice,
// recommendation.reasons, selfTest.reason) are the JSON contract: the codes
// stay with the runner, so report.json keeps exactly the schema it had.
// One function per command that has such fields, each called in one place.
import type { CheckItemRawT, CheckItemT, CheckResultRawT, CheckResultT } from '../results/check.js';
import type { FindingT } from '../results/common.js';
import type { CompareResultRawT, CompareResultT } from '../results/compare.js';
import type { OrderResultRawT, OrderResultT } from '../results/order.js';
import type { WarpResultRawT, WarpResultT } from '../results/warp.js';
import { argsOf, type FindingCode } from './codes.js';
import { basisText, CHECK_TITLES, phrase } from './sentences.js';

/** How a check's verdict and its details make one summary: after the
 * verdict's sentence `lead`, then the details joined by `sep`. */
interface Join {
  lead: string;
  sep: string;
}
const DETAILS: Partial<Record<string, Join>> = {
  CHECK_WARP_HELD: { lead: '; ', sep: ', ' },
  CHECK_WARP_BACKWARDS: { lead: ': ', sep: '; ' },
  // The tsc check's CHECK_TSC_AUX (src/runners/check/tsc-aux.ts).
  CHECK_TSC_OK: { lead: '; ', sep: '; ' },
  CHECK_TSC_UNTRUSTED: { lead: '; ', sep: '; ' },
} satisfies Partial<Record<FindingCode, Join>>;

const CLOCKSOURCE_VERDICTS = ['CHECK_CLOCKSOURCE_NONE', 'CHECK_CLOCKSOURCE_OK', 'CHECK_CLOCKSOURCE_DIFFERS'] as const;

/** The basis of the clocksource check's verdict, in words, for its evidence. */
function basisOf(verdict: FindingT): string | null {
  for (const code of CLOCKSOURCE_VERDICTS) {
    const args = argsOf(verdict, code);
    if (args) return basisText(args);
  }
  return null;
}

function phraseCheckItem(item: CheckItemRawT): CheckItemT {
  const [verdict, ...details] = item.findings;
  if (!verdict) throw new Error(`unreachable: check ${item.name} has no verdict`);
  const head = phrase(verdict);
  const join = DETAILS[verdict.code];
  const summary = join && details.length > 0 ? head.text + join.lead + details.map((d) => phrase(d).text).join(join.sep) : head.text;
  const basis = item.name === 'clocksource' ? basisOf(verdict) : null;
  return {
    name: item.name,
    title: CHECK_TITLES[item.name],
    status: item.status,
    summary,
    advice: head.advice,
    evidence: basis === null ? item.evidence : { ...item.evidence, basis },
    elapsedMs: item.elapsedMs,
  };
}

/** check: each check's title, summary and advice. */
export function phraseCheck(raw: CheckResultRawT): CheckResultT {
  return { ...raw, checks: raw.checks.map(phraseCheckItem) };
}

/** compare: the recommendation's reasons, one sentence per finding, in order. */
export function phraseCompare(raw: CompareResultRawT): CompareResultT {
  const { findings, ...rec } = raw.recommendation;
  return { ...raw, recommendation: { ...rec, reasons: findings.map((f) => phrase(f).text) } };
}

/** warp: the self-test's reason. */
export function phraseWarp(raw: WarpResultRawT): WarpResultT {
  const { selfTest, ...rest } = raw;
  if (!selfTest) return { ...rest, selfTest };
  const { finding, ...st } = selfTest;
  return { ...rest, selfTest: { ...st, reason: phrase(finding).text } };
}

/** order: the self-test's reason. */
export function phraseOrder(raw: OrderResultRawT): OrderResultT {
  const { selfTest, ...rest } = raw;
  if (!selfTest) return { ...rest, selfTest };
  const { finding, ...st } = selfTest;
  return { ...rest, selfTest: { ...st, reason: phrase(finding).text } };
}
