import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RuleSet } from '../../src/lint/engine.js';
import { CLEAN, edit, folderWith, lintText, positionOf, removeFolders, ruleSetFrom, runCli } from '../policies/helpers.js';
import { above, fired } from './helpers.js';

afterAll(removeFolders);

let builtin: RuleSet;
beforeAll(async () => {
  builtin = await ruleSetFrom();
});

/** One finding: the read-only integration metabase is granted INSERT. */
const INSERT = edit(CLEAN, ['privileges: [SELECT]', 'privileges: [SELECT, INSERT]']);
const FINDING: [string, string] = ['read-only-grants', 'databases[0].integrations[0].grants[0].privileges[1]'];
const waiverOnMetabase = (comment: string) => above(INSERT, '- name: metabase', comment);

/** The `waiver` finding of a text: it must be the only one, at the comment. */
function waiverError(text: string, today?: string) {
  const findings = lintText(text, builtin, today);
  const errors = findings.filter((finding) => finding.ruleId === 'waiver');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ severity: 'error', ...positionOf(text, '# dbfence-ignore') });
  return { message: errors[0]!.message, others: fired(findings.filter((finding) => finding.ruleId !== 'waiver')) };
}

describe('expiry', () => {
  test('a waiver past its date is a waiver error, and the finding it meant to waive is reported again', () => {
    const text = waiverOnMetabase('# dbfence-ignore read-only-grants until=2026-06-14 reason="staging tables, OPS-412"');
    expect(waiverError(text, '2026-06-15')).toEqual({
      message: 'the waiver expired on 2026-06-14 (the finding it meant to waive is reported)',
      others: [FINDING],
    });
  });

  test('a waiver is still valid on its until day', () => {
    const text = waiverOnMetabase('# dbfence-ignore read-only-grants until=2026-06-15 reason="staging tables, OPS-412"');
    expect(lintText(text, builtin, '2026-06-15')).toEqual([]);
  });

  test.each(['2026-02-30', '31/03/2027', '2027-3-31', ''])('until=%s is not a date', (until) => {
    const text = waiverOnMetabase(`# dbfence-ignore read-only-grants until=${until} reason="staging tables"`);
    expect(waiverError(text)).toEqual({
      message: `until=${until} is not a date written YYYY-MM-DD (the finding it meant to waive is reported)`,
      others: [FINDING],
    });
  });
});

describe('a waiver that cannot apply is an error, and the finding stays', () => {
  test.each([
    ['no reason', '# dbfence-ignore read-only-grants until=2027-01-01', /^the waiver gives no reason: add reason="…"/],
    ['an empty reason', '# dbfence-ignore read-only-grants reason="  "', /^the waiver gives no reason/],
    ['an unknown rule, with the likely one', '# dbfence-ignore read-only-grant reason="x"',
      /^the waiver names an unknown rule: read-only-grant \(did you mean read-only-grants\?\)/],
    ['words that are not part of the syntax', '# dbfence-ignore read-only-grants because it loads staging',
      /^the waiver has unexpected words \(because it loads staging\); expected: # dbfence-ignore RULE-ID/],
    ['a space after the comma of a rule list', '# dbfence-ignore read-only-grants, tls-verify-full reason="x"',
      /^the waiver has unexpected words \(tls-verify-full\)/],
    ['no rule at all', '# dbfence-ignore reason="legacy"', /^the waiver names no rule/],
    ['a quoted reason without its closing quote', '# dbfence-ignore read-only-grants reason="staging',
      /^the reason has no closing quote \(write \\" for a quote inside it\); expected: # dbfence-ignore RULE-ID/],
    ['the waiver check itself', '# dbfence-ignore waiver reason="x"', /^waiver cannot be waived: fix the file instead/],
  ])('%s', (_, comment, message) => {
    const { message: actual, others } = waiverError(waiverOnMetabase(comment));
    expect(actual).toMatch(message);
    expect(others).toEqual([FINDING]);
  });

  test('schema and syntax findings cannot be waived', () => {
    const typo = edit(CLEAN, ['keepalive: 5m', 'keepalive: 5m\n        keepAlive: 5m']);
    const text = above(typo, '- name: metabase', '# dbfence-ignore schema reason="we like the spelling"');
    expect(waiverError(text)).toEqual({
      message: 'schema cannot be waived: fix the file instead (the finding it meant to waive is reported)',
      others: [['schema', 'databases[0].integrations[0].keepAlive']],
    });
    expect(waiverError(above(CLEAN, 'version: 1', '# dbfence-ignore syntax reason="x"')).message).toBe('syntax cannot be waived: fix the file instead');
  });

  test('a waiver with no node after it', () => {
    const text = `${INSERT}      # dbfence-ignore read-only-grants reason="staging tables"\n`;
    expect(waiverError(text)).toEqual({
      message: 'no node follows this waiver: put it on the line just above the node it waives',
      others: [FINDING],
    });
  });

  test('a waiver at the end of a line, after the node, is refused rather than silently ignored', () => {
    const text = INSERT.replace('- name: metabase', '- name: metabase  # dbfence-ignore read-only-grants reason="staging"');
    const { message, others } = waiverError(text);
    expect(message).toMatch(/^a waiver must stand on its own line, just above the node it waives/);
    expect(message).toMatch(/\(the finding it meant to waive is reported\)$/);
    expect(others).toEqual([FINDING]);
  });
});

describe('a waiver megabytes long', () => {
  const HUGE = 15 * 1024 * 1024;

  test.each([
    ['plain text after an opening quote', `reason="${'a'.repeat(HUGE)}`],
    ['escaped quotes after an opening quote', `reason="${'\\"'.repeat(HUGE / 2)}`],
  ])('is one waiver error, not a crash: %s', (_, tail) => {
    const { message, others } = waiverError(waiverOnMetabase(`# dbfence-ignore read-only-grants ${tail}`));
    expect(message).toMatch(/^the reason has no closing quote/);
    expect(others).toEqual([FINDING]);
  }, 120_000);

  test('with its closing quote, a reason of escaped quotes waives the finding', () => {
    expect(lintText(waiverOnMetabase(`# dbfence-ignore read-only-grants reason="${'\\"'.repeat(HUGE / 2)}"`), builtin)).toEqual([]);
  }, 120_000);

  test('quotes a few of its unexpected words or unknown rule ids, not all of them', () => {
    const words = waiverError(waiverOnMetabase(`# dbfence-ignore read-only-grants reason=x ${'word '.repeat(1_000_000)}`)).message;
    expect(words).toMatch(/^the waiver has unexpected words \((word ){15}word…\); expected/);
    const ids = waiverError(waiverOnMetabase(`# dbfence-ignore ${Array.from({ length: 100_000 }, (_, i) => `rule-${i}`).join(',')} reason="x"`)).message;
    expect(ids).toBe('the waiver names an unknown rule: rule-0, rule-1, rule-2, rule-3, rule-4 and 99995 more');
  }, 120_000);
});

describe('many waivers, many findings', () => {
  const COUNT = 20_000;
  /** COUNT allow entries, each a distinct /15: one allowlist-breadth finding each. */
  const broad = Array.from({ length: COUNT }, (_, i) => `          - cidr: ${11 + (i % 200)}.${2 * Math.floor(i / 200)}.0.0/15\n`).join('');

  test('twenty thousand waivers stacked above one node waive its twenty thousand findings, without comparing every pair', () => {
    const waivers = '        # dbfence-ignore allowlist-breadth reason="vendor ranges, NET-7"\n'.repeat(COUNT);
    const findings = lintText(edit(CLEAN, ['        allow:\n', `${waivers}        allow:\n${broad}`]), builtin);
    expect(findings.filter((finding) => ['allowlist-breadth', 'waiver', 'unused-waiver'].includes(finding.ruleId))).toEqual([]);
  }, 60_000);

  test('a marker in a quoted value with a hundred thousand # beside twenty thousand other values is text, read in linear time', () => {
    const note = `description: "dbfence-ignore${' #'.repeat(100_000)}"`;
    const text = edit(CLEAN, ['        allow:\n', `        allow:\n${broad}`], ['description: Metabase egress NAT', note]);
    expect(lintText(text, builtin).filter((finding) => finding.ruleId === 'waiver' || finding.ruleId === 'unused-waiver')).toEqual([]);
  }, 60_000);
});

describe('unused waivers', () => {
  test('a waiver that waives nothing is an unused-waiver warning at the comment', () => {
    const text = above(CLEAN, '- name: metabase', '# dbfence-ignore read-only-grants reason="staging tables"');
    expect(lintText(text, builtin)).toEqual([expect.objectContaining({
      ruleId: 'unused-waiver', severity: 'warning', path: 'databases[0].integrations[0]', ...positionOf(text, '# dbfence-ignore'),
      message: 'this waiver of read-only-grants waives no finding: remove the waiver',
    })]);
  });

  test('a waiver on the wrong node waives nothing: the finding and the warning are both reported', () => {
    const text = above(INSERT, '- table: public.orders', '# dbfence-ignore tls-verify-full reason="old driver"');
    expect(fired(lintText(text, builtin))).toEqual([['unused-waiver', 'databases[0].integrations[0].grants[0]'], FINDING]);
  });
});

describe('text that only looks like a waiver', () => {
  test('a dbfence-ignore line inside a block scalar is text, not a waiver', () => {
    const wide = edit(CLEAN, ['cidr: 34.90.0.0/28', 'cidr: 34.90.0.0/15'],
      ['description: Metabase egress NAT', 'description: |\n              Metabase egress NAT.\n              # dbfence-ignore allowlist-breadth reason="not a waiver"']);
    expect(fired(lintText(wide, builtin))).toEqual([['allowlist-breadth', 'databases[0].endpoints[0].allow[1].cidr']]);
  });

  test('a dbfence-ignore inside a quoted string is text', () => {
    const text = edit(INSERT, ['description: Metabase egress NAT', 'description: "NAT # dbfence-ignore read-only-grants reason=x"']);
    expect(fired(lintText(text, builtin))).toEqual([FINDING]);
  });

  test('a comment that mentions dbfence-ignore further along is a comment', () => {
    const text = above(INSERT, '- name: metabase', '# to waive a finding, write # dbfence-ignore RULE reason="why" above it');
    expect(fired(lintText(text, builtin))).toEqual([FINDING]);
  });
});

describe('a pack with waivers: forbidden', () => {
  const forbidding = () => ruleSetFrom(folderWith({ 'security.yaml': 'kind: pack\nwaivers: forbidden\nrules: {}\n' }));

  test('refuses every in-file waiver, and the finding stays', async () => {
    const text = waiverOnMetabase('# dbfence-ignore read-only-grants until=2027-01-01 reason="staging tables"');
    const findings = lintText(text, await forbidding());
    expect(fired(findings)).toEqual([['waiver', 'databases[0].integrations[0]'], FINDING]);
    expect(findings[0]!.message).toBe('in-file waivers are forbidden by your policies (a pack sets waivers: forbidden): '
      + 'fix the finding, or change the policy (the finding it meant to waive is reported)');
  });

  test('wins over a pack that allows them', async () => {
    const ruleSet = await ruleSetFrom(folderWith({
      'a-security.yaml': 'kind: pack\nwaivers: forbidden\nrules: {}\n',
      'b-team.yaml': 'kind: pack\nwaivers: allowed\nrules: {}\n',
    }));
    expect(ruleSet.waivers).toBe('forbidden');
  });
});

test('from the CLI: a waived finding passes, an expired waiver fails with both findings in the JSON report', async () => {
  const valid = waiverOnMetabase('# dbfence-ignore read-only-grants until=2999-12-31 reason="staging tables"');
  const expired = waiverOnMetabase('# dbfence-ignore read-only-grants until=2020-01-01 reason="staging tables"');
  const dir = folderWith({ 'valid.yaml': valid, 'expired.yaml': expired });
  const passing = await runCli(['lint', 'valid.yaml', '-f', 'json'], dir);
  expect(passing.status).toBe(0);
  expect(JSON.parse(passing.stdout)).toMatchObject({ findings: [], summary: { errors: 0, warnings: 0 } });
  const failing = await runCli(['lint', 'expired.yaml', '-f', 'json'], dir);
  expect(failing.status).toBe(1);
  expect(JSON.parse(failing.stdout).findings.map((finding: { ruleId: string }) => finding.ruleId)).toEqual(['waiver', 'read-only-grants']);
});

test('lint does not call a waiver of a plan-time check unused: only plan sees those findings', () => {
  const text = above(CLEAN, '- name: orders-public', '# dbfence-ignore drift reason="support adds vendor IPs by hand until CHG-88"');
  expect(lintText(text, builtin)).toEqual([]);
});
