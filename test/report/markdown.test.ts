import { describe, expect, it } from 'vitest';
import { markdown } from '../../src/report/markdown.js';
import { CLEAN_YAML, FINDINGS_YAML, fileWith, finding, input, linted } from './helpers.js';

/** The cells of a GitHub table row: split on pipes that are not escaped. */
function cells(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
}

describe('markdown', () => {
  it('heads a table of findings with the totals, each rule linked to its page', async () => {
    const out = markdown(input(await linted('endpoints.yaml', FINDINGS_YAML)));
    const lines = out.split('\n');
    expect(lines[0]).toBe('### dbfence lint: 2 errors, 2 warnings');
    expect(lines[2]).toBe('| | Location | Rule | Message |');
    expect(cells(lines[5]!)).toEqual([
      '🔴', '`endpoints.yaml:14:19`',
      '[`no-world-open`](https://github.com/dbfence/dbfence/blob/main/docs/rules/no-world-open.md)',
      '"0.0.0.0/0" opens the endpoint to the whole IPv4 internet',
    ]);
    expect(cells(lines[7]!)[0]).toBe('🟡');
  });

  it('says so when there is nothing to report', async () => {
    expect(markdown(input(await linted('endpoints.yaml', CLEAN_YAML)))).toBe('### dbfence lint: no problems\n\nChecked `endpoints.yaml`: nothing to report.\n');
  });

  it('keeps a | or a line break in a message or a file name inside its cell', () => {
    const out = markdown(input(fileWith([finding({ file: 'a|b.yaml', message: 'either a | b\nor c' })])));
    const row = out.split('\n')[4]!;
    expect(cells(row)).toHaveLength(4);
    expect(cells(row)[1]).toBe('`a\\|b.yaml:3:11`');
    expect(cells(row)[3]).toBe('either a \\| b or c');
  });

  it('shows markup in a message as text', () => {
    const row = markdown(input(fileWith([finding({ message: 'grant on analytics.* to <script> & [x](y) _a_' })]))).split('\n')[4]!;
    expect(cells(row)[3]).toBe('grant on analytics.\\* to &lt;script&gt; &amp; \\[x\\](y) \\_a\\_');
  });

  it('keeps the backticks messages use for keys, and fences a file name that has one', () => {
    const row = markdown(input(fileWith([finding({ file: 'a`b.yaml', message: 'no `from`' })]))).split('\n')[4]!;
    expect(cells(row)[1]).toBe('`` a`b.yaml:3:11 ``');
    expect(cells(row)[3]).toBe('no `from`');
  });

  it('does not link a rule whose docs are not a web address', () => {
    const row = markdown({ ...input(fileWith([finding({ ruleId: 'team-rule' })])), rules: [{ id: 'team-rule', severity: 'error', description: 'd', rationale: 'r', docsUrl: 'ask the DBA team' }] }).split('\n')[4]!;
    expect(cells(row)[2]).toBe('`team-rule`');
  });
});
