import { describe, expect, it } from 'vitest';
import { FORMATS, render } from '../../src/report/index.js';
import { stylish } from '../../src/report/stylish.js';
import { MAX_FINDINGS_PER_FILE } from '../../src/lint/engine.js';
import type { Finding } from '../../src/lint/finding.js';
import { fired } from '../waivers/helpers.js';
import { FINDINGS_YAML, fileWith, finding, HEADER, input, linted } from './helpers.js';

/** A valid database with nothing in it, so findings come from what each case adds. */
const EMPTY_DATABASE = `${HEADER}databases:
  - name: orders
    engine: postgresql
    endpoints: []
    integrations: []
`;

const DEPTH = 6000;
const HUGE = 15 * 1024 * 1024;

/** Hostile files, each with at least one finding; none may crash a reporter. */
const HOSTILE: [string, () => string][] = [
  ['a 6,000-deep flow list', () => `${EMPTY_DATABASE}extra: ${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}\n`],
  ['a 6,000-deep compact block list', () => `${EMPTY_DATABASE}extra:\n  ${'- '.repeat(DEPTH)}x\n`],
  ['a 6,000-deep flow mapping', () => `${EMPTY_DATABASE}extra: ${'{a: '.repeat(DEPTH)}1${'}'.repeat(DEPTH)}\n`],
  ['a 15 MB single-line value', () => `${EMPTY_DATABASE}extra: ${'a'.repeat(HUGE)}\n`],
  ['a 15 MB value that fails the schema', () => EMPTY_DATABASE.replace('name: orders', `name: "${'a'.repeat(HUGE)}"`)],
];

/** Generous: these parse megabytes on a shared, loaded machine. */
const SLOW = 120_000;

describe('every format on hostile input', () => {
  it.each(HOSTILE)('survives %s, with findings and a bounded report', async (_, text) => {
    const file = await linted('endpoints.yaml', text());
    expect(file.findings.length).toBeGreaterThan(0);
    // What went wrong with the file, not with the tool.
    for (const { message } of file.findings) expect(message).not.toMatch(/call stack/i);
    for (const format of FORMATS) {
      const out = render(format, input(file), { color: true });
      expect(out.length, format).toBeGreaterThan(0);
      // Nothing quotes the megabytes: code frames show a window, messages a capped value.
      expect(out.length, format).toBeLessThan(100_000);
    }
    const frames = stylish(input(file), { color: false }).split('\n').filter((line) => /^ {4}\d+ \| /.test(line));
    for (const frame of frames) expect(frame.length).toBeLessThan(200);
  }, SLOW);

  it('quotes at most 80 characters of a value in a message, and says it was cut', async () => {
    const file = await linted('endpoints.yaml', EMPTY_DATABASE.replace('name: orders', `name: "${'A'.repeat(500)}"`));
    const message = file.findings.find((f) => f.ruleId === 'schema')!.message;
    expect(message).toMatch(/^"A{79}…" is not a valid value \(Name\)/);
  });

  it('masks a secret at the end of a megabyte line before cutting the line to a window', () => {
    const line = `description: "${'a'.repeat(1024 * 1024)} postgres://admin:S3cretPw@db.example.com/x"`;
    const column = line.indexOf('postgres://') + 1;
    const out = stylish(input(fileWith([finding({ line: 1, column, endLine: 1, endColumn: column + 10 })], `${line}\n`)), { color: false });
    expect(out).not.toContain('S3cretPw');
    expect(out).toContain('…');
    expect(out.length).toBeLessThan(1000);
  });

  it('reports a hundred thousand findings on one line without quadratic work', () => {
    const entries = 100_000;
    const line = `allow: [${Array.from({ length: entries }, () => '{ cidr: 0.0.0.0/0 }').join(', ')}]`;
    const findings = Array.from({ length: entries }, (_, i) => {
      const column = 10 + i * 21 + 8;
      return finding({ line: 1, column, endLine: 1, endColumn: column + 9 });
    });
    // Each finding quotes the same 2 MB line: it is masked once, and each frame is a window of it.
    const out = stylish(input(fileWith(findings, `${line}\n`)), { color: false });
    expect(out.split('\n').filter((text) => text.startsWith('    1 | ')).length).toBe(entries);
  }, SLOW);

  it('reports at most 10,000 findings of a file with 200,000 bad entries, and counts the rest', async () => {
    const entries = 200_000;
    const text = FINDINGS_YAML.replace('privileges: [SELECT]', `privileges: [${Array(entries).fill('X').join(', ')}]`);
    const file = await linted('endpoints.yaml', text);
    const plain = await linted('endpoints.yaml', FINDINGS_YAML);
    const rest = file.findings.filter((f) => f.message.startsWith('and '));
    expect(file.findings).toHaveLength(MAX_FINDINGS_PER_FILE + rest.length);
    // Every other rule that fired is still seen (shown, or counted), and every other error is shown: only the flood is cut.
    expect(new Set(file.findings.map((f) => f.ruleId))).toEqual(new Set(['schema', ...plain.findings.map((f) => f.ruleId)]));
    const shown = (findings: readonly Finding[]) => findings.filter((f) => f.severity === 'error' && f.ruleId !== 'schema' && !f.message.startsWith('and ')).map((f) => `${f.ruleId} ${f.path}`);
    expect(shown(file.findings)).toEqual(expect.arrayContaining(shown(plain.findings)));
    expect(rest.filter((f) => f.ruleId === 'schema')).toEqual([expect.objectContaining({
      ruleId: 'schema', severity: 'error', path: expect.stringMatching(/\.privileges\[\d+\]$/),
      message: expect.stringMatching(/^and 19\d,\d{3} more schema findings from here on, not shown: a file reports at most 10,000 findings; fix these and lint again$/),
    })]);
    for (const format of ['json', 'sarif'] as const) {
      const out = render(format, input(file), { color: false });
      expect(out.length, format).toBeLessThan(20_000_000);
      expect(out, format).toContain('more schema findings from here on, not shown');
    }
  }, SLOW);

  it('keeps every error when warnings alone would fill the cap', async () => {
    const unused = '          # dbfence-ignore read-only-grants reason="nothing to waive here"\n'.repeat(MAX_FINDINGS_PER_FILE + 10);
    const plain = await linted('endpoints.yaml', FINDINGS_YAML);
    const file = await linted('endpoints.yaml', FINDINGS_YAML.replace('          - cidr: 0.0.0.0/0', `${unused}          - cidr: 0.0.0.0/0`));
    const errors = (findings: readonly Finding[]) => fired(findings.filter((f) => f.severity === 'error'));
    expect(errors(plain.findings).length).toBeGreaterThan(0);
    expect(errors(file.findings)).toEqual(errors(plain.findings));
    // The warnings after the flood are each counted under their own rule, so every rule that fired is still seen.
    const rest = file.findings.filter((f) => f.message.startsWith('and '));
    expect(file.findings).toHaveLength(MAX_FINDINGS_PER_FILE + rest.length);
    expect(rest.map((f) => f.ruleId).sort()).toEqual(['unused-waiver', ...plain.findings.filter((f) => f.severity === 'warning').map((f) => f.ruleId)].sort());
    expect(rest.every((f) => f.severity === 'warning')).toBe(true);
    expect(rest.find((f) => f.ruleId === 'unused-waiver')!.message).toMatch(/^and 1\d more unused-waiver findings from here on, not shown/);
  }, SLOW);

  it('survives a message with a million backtick runs in the Markdown table', () => {
    const message = '`a'.repeat(1_000_000);
    const out = render('markdown', input(fileWith([finding({ message, file: '`x`.yaml' })])), { color: false });
    expect(out).toContain('| 🔴 |');
  });
});
