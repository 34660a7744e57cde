// junit.ts: junit.xml, the test-result format CI systems already read
// (Jenkins, GitLab, GitHub test-reporter actions): one testsuite per run, one
// testcase per check, failures carrying the figures. Pure: a function of the
// report model. The XML is written by fast-xml-builder, which escapes text and
// attributes; we only drop the characters XML 1.0 cannot carry at all.
import XMLBuilder from 'fast-xml-builder';
import type { Check, ReportModel } from './model/index.js';

/** XML 1.0 §2.2 Char: anything else (most C0 controls, lone surrogates,
 * U+FFFE/FFFF) makes the document ill-formed however it is escaped. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const clean = (s: string): string => s.replace(NOT_XML_CHAR, '\uFFFD');

interface XmlNode {
  [key: string]: string | number | XmlNode | XmlNode[];
}

function testcase(c: Check): XmlNode {
  const node: XmlNode = { '@_name': clean(c.name), '@_classname': clean(c.classname), '@_time': '0' };
  if (c.status === 'failed') node['failure'] = { '@_message': clean(c.message), '@_type': 'CheckFailed', '#text': clean(c.details || c.message) };
  if (c.status === 'skipped') node['skipped'] = { '@_message': clean(c.message) };
  // A passed check's figures too (a warp the contract allows is worth reading).
  if (c.status === 'passed') node['system-out'] = clean(c.message);
  return node;
}

export interface JunitOptions {
  /** Wall time of the run in seconds, when known. */
  timeSeconds?: number;
  /** The machine's name, for the testsuite. */
  hostname?: string;
  /** name=value pairs for <properties> (machine, clocksource...). */
  properties?: Record<string, string>;
}

export function renderJunit(m: ReportModel, options: JunitOptions = {}): string {
  const failures = m.checks.filter((c) => c.status === 'failed').length;
  const skipped = m.checks.filter((c) => c.status === 'skipped').length;
  const time = (options.timeSeconds ?? 0).toFixed(3);
  const counts = { '@_tests': m.checks.length, '@_failures': failures, '@_errors': 0, '@_skipped': skipped, '@_time': time };
  const props = Object.entries({ verdict: m.verdict, headline: m.headline, ...options.properties });
  const systemOut = m.warnings.length > 0 ? { 'system-out': clean(m.warnings.map((w) => `warning: ${w}`).join('\n')) } : {};
  const suite: XmlNode = {
    '@_name': clean(m.title),
    ...(options.hostname ? { '@_hostname': clean(options.hostname) } : {}),
    ...counts,
    // ISO 8601 or nothing: readers parse it as a date.
    ...(/^\d{4}-\d\d-\d\dT/.test(m.startedAt) ? { '@_timestamp': m.startedAt } : {}),
    properties: { property: props.map(([name, value]) => ({ '@_name': clean(name), '@_value': clean(value) })) },
    testcase: m.checks.map(testcase),
    ...systemOut,
  };
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: { '@_name': 'clocklab', ...counts, testsuite: suite },
  };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
  });
  return builder.build(doc) + '\n';
}
