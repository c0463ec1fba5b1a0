import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixText } from '../../src/lint/fix.js';

/** An endpoints.yaml with every mechanical finding --fix rewrites, in plain, quoted and flow style, with comments. */
const BROKEN = readFileSync(fileURLToPath(new URL('../fixtures/lint-fix/endpoints.yaml', import.meta.url)), 'utf8');

describe('fixText (lint --fix)', () => {
  it('rewrites only the mechanical values, keeping comments, quotes and layout byte for byte', () => {
    const { text, fixes } = fixText(BROKEN);
    expect(fixes).toBe(5);
    const expected = BROKEN
      .replace('cidr: 52.20.10.10          #', 'cidr: 52.20.10.10/32          #')
      .replace('"34.90.0.7/28"', '"34.90.0.0/28"')
      .replace("'2600:1f18::1/64'", "'2600:1f18::/64'")
      .replace('from: [52.20.10.10, ', 'from: [52.20.10.10/32, ')
      .replace('[select]', '[SELECT]');
    expect(text).toBe(expected);
  });

  it('changes nothing the second time', () => {
    const once = fixText(BROKEN).text;
    expect(fixText(once)).toEqual({ text: once, fixes: 0 });
  });

  it('keeps CRLF line ends and a byte order mark', () => {
    const crlf = `\uFEFF${BROKEN.replace(/\n/g, '\r\n')}`;
    const { text } = fixText(crlf);
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.split('\r\n').length).toBe(crlf.split('\r\n').length);
    expect(text).toContain('cidr: 52.20.10.10/32          # the office, one address\r\n');
  });

  it('leaves what is not mechanical: anchored and aliased values, unknown privileges, text YAML cannot parse', () => {
    const anchored = BROKEN.replace('cidr: 52.20.10.10          #', 'cidr: &office 52.20.10.10   #').replace('from: [52.20.10.10, ', 'from: [*office, ');
    expect(fixText(anchored).text).toContain('&office 52.20.10.10   #');
    expect(fixText(anchored).text).toContain('[*office, 34.90.0.0/28]');
    expect(fixText(BROKEN.replace('[select]', '[selekt]')).text).toContain('[selekt]');
    const broken = `${BROKEN}  - name: [unclosed\n`;
    expect(fixText(broken)).toEqual({ text: broken, fixes: 0 });
  });
});
