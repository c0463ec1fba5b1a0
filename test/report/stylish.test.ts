import { describe, expect, it } from 'vitest';
import { stylish } from '../../src/report/stylish.js';
import { CLEAN_YAML, FINDINGS_YAML, fileWith, finding, input, linted } from './helpers.js';

const plain = { color: false };
const ANSI = /\u001b\[/;

describe('stylish', () => {
  it('groups findings under each file that has some, and totals them', async () => {
    const out = stylish(input(
      await linted('a.yaml', FINDINGS_YAML), await linted('clean.yaml', CLEAN_YAML), await linted('b.yaml', FINDINGS_YAML),
    ), plain);
    const headings = out.split('\n').filter((line) => /^\S/.test(line));
    expect(headings).toEqual(['a.yaml', 'b.yaml', '✖ 8 problems (4 errors, 4 warnings)']);
    expect(out).not.toContain('clean.yaml');
  });

  it('quotes the offending line and underlines the value', async () => {
    const out = stylish(input(await linted('endpoints.yaml', FINDINGS_YAML)), plain);
    expect(out).toContain([
      '  14:19  error    "0.0.0.0/0" opens the endpoint to the whole IPv4 internet  no-world-open',
      '    14 |           - cidr: 0.0.0.0/0',
      '       |                   ^^^^^^^^^',
    ].join('\n'));
  });

  it('says how many files were clean when there is nothing to report', async () => {
    expect(stylish(input(await linted('a.yaml', CLEAN_YAML), await linted('b.yaml', CLEAN_YAML)), plain)).toBe('✔ no problems in 2 files\n');
  });

  it('uses colour only when asked to', async () => {
    const file = await linted('endpoints.yaml', FINDINGS_YAML);
    expect(stylish(input(file), plain)).not.toMatch(ANSI);
    const coloured = stylish(input(file), { color: true });
    expect(coloured).toContain('\u001b[31merror  \u001b[0m');
    expect(coloured).toContain('\u001b[33mwarning\u001b[0m');
  });

  it('shows a window around a finding far along a long line, carets under the value', () => {
    const line = `  - { description: "${'word '.repeat(60)}", cidr: 0.0.0.0/0 }`;
    const column = line.indexOf('0.0.0.0/0') + 1;
    const out = stylish(input(fileWith([finding({ line: 1, column, endLine: 1, endColumn: column + 9 })], `${line}\n`)), plain);
    const [quoted, carets] = out.split('\n').filter((text) => text.startsWith('    1 |') || text.startsWith('      |'));
    expect(quoted!.length).toBeLessThan(200);
    expect(quoted).toMatch(/^ {4}1 \| …/);
    expect(quoted!.slice(carets!.indexOf('^'), carets!.lastIndexOf('^') + 1)).toBe('0.0.0.0/0');
  });

  it('keeps a long line whole up to the window, and marks the cut', () => {
    const line = `description: ${'x'.repeat(300)}`;
    const out = stylish(input(fileWith([finding({ line: 1, column: 1, endLine: 1, endColumn: 12 })], line)), plain);
    const quoted = out.split('\n').find((text) => text.startsWith('    1 |'))!;
    expect(quoted).toBe(`    1 | ${line.slice(0, 160)}…`);
  });

  it('lines carets up under a tab, and does not pass control characters to the terminal', () => {
    const out = stylish(input(fileWith([finding({ line: 1, column: 3, endLine: 1, endColumn: 4, message: 'bad \u001b[2J value' })], 'a\tb: c\n')), plain);
    expect(out).not.toContain('\u001b');
    expect(out).toContain('bad \uFFFD[2J value');
    expect(out).toContain('    1 | a b: c\n      |   ^\n');
  });
});
