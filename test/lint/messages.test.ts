import { describe, expect, it } from 'vitest';
import { findInlineSecrets, MASK, maskSecretsInText, MAX_MESSAGE_LENGTH, quoteValue, safeMessage } from '../../src/lint/secrets.js';
import { closest } from '../../src/lint/suggest.js';

/** Built at run time, so that no source file holds a token for secret scanners to stop on. */
const GITHUB_TOKEN = ['gh', 'p_', 'A1b2C3d4'.repeat(5)].join('');
const JWT = ['eyJ', 'hbGciOiJIUzI1NiJ9', '.eyJ', 'zdWIiOiIxMjM0NSJ9', '.', 'c2lnbmF0dXJlLXBhcnQ'].join('');

/** Megabytes of text in shapes that make a careless pattern backtrack quadratically or overflow its stack. */
const HOSTILE_TEXTS: [string, string][] = [
  ['15 MB of letters', 'a'.repeat(15 * 1024 * 1024)],
  ['JWT starts without a dot', 'eyJ-'.repeat(1_000_000)],
  ['a scheme a million letters long', `${'a'.repeat(4_000_000)}://x`],
  ['GitHub token prefixes', 'ghp_'.repeat(1_000_000)],
  ['Slack token prefixes', 'xoxb-'.repeat(1_000_000)],
  ['private key headers', `-----BEGIN ${'A'.repeat(50)}`.repeat(100_000)],
  ['URL user parts', 'p://a:'.repeat(1_000_000)],
  ['mixed-case base64', 'Ab1'.repeat(5_000_000)],
];

describe('quoteValue', () => {
  it.each([
    ['orders', '"orders"'],
    [5432, '5432'],
    [null, 'null'],
    [['a'], 'a list'],
    [{ a: 1 }, 'a mapping'],
    [`postgres://admin:S3cret@db.example.com/x`, 'a value that looks like a URL with a password (not shown)'],
    [GITHUB_TOKEN, 'a value that looks like a GitHub token (not shown)'],
    [JWT, 'a value that looks like a JSON Web Token (not shown)'],
  ])('quotes %j as %s', (value, quoted) => {
    expect(quoteValue(value)).toBe(quoted);
  });

  it('never quotes a value under a secret-bearing key', () => {
    expect(quoteValue('hunter2', ['provider', 'password'])).toBe('the value');
    expect(quoteValue(123456, ['credentials', 'token'])).toBe('the value');
  });

  it('cuts a long value to 80 characters, marking the cut, without splitting a character', () => {
    expect(quoteValue('x'.repeat(10_000))).toBe(`"${'x'.repeat(79)}…"`);
    expect(quoteValue(`${'x'.repeat(78)}😀tail`)).toBe(`"${'x'.repeat(78)}…"`);
  });
});

describe('safeMessage', () => {
  it('masks secret shapes anywhere in a message', () => {
    const message = safeMessage(`connect with postgres://admin:S3cret@db.example.com/x, token ${GITHUB_TOKEN}, jwt ${JWT}`);
    expect(message).toBe(`connect with ${MASK}db.example.com/x, token ${MASK}, jwt ${MASK}`);
  });

  it('masks the document\'s secret values, raw or JSON-escaped, but not short ones that would hide words', () => {
    expect(safeMessage('was "pa\\"ss" and pa"ss; or', ['pa"ss', 'or'])).toBe(`was "${MASK}" and ${MASK}; or`);
  });

  it('caps a message\'s length', () => {
    const message = safeMessage('word '.repeat(10_000));
    expect(message.length).toBe(MAX_MESSAGE_LENGTH);
    expect(message.endsWith('…')).toBe(true);
  });

  it.each(HOSTILE_TEXTS)('masks %s in one pass', (_, text) => {
    expect(maskSecretsInText(text).length).toBeGreaterThan(0);
    expect(findInlineSecrets({ description: text })).toBeInstanceOf(Array);
  }, 60_000);
});

describe('findInlineSecrets', () => {
  it('walks a document nested deeper than the call stack allows', () => {
    let deep: unknown = { password: 'hunter2' };
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const [found] = findInlineSecrets({ extra: deep });
    expect(found!.kind).toBe('a password value');
    expect(found!.path).toHaveLength(100_002);
  });
});

describe('closest', () => {
  it('suggests the likely typo', () => {
    expect(closest('hostnmae', ['hostname', 'port'])).toBe('hostname');
    expect(closest('prot', ['hostname', 'port'])).toBe('port');
    expect(closest('completely-different', ['hostname', 'port'])).toBeUndefined();
  });

  it('does not compare a megabyte word with short names', () => {
    expect(closest('a'.repeat(15 * 1024 * 1024), ['hostname', 'port'])).toBeUndefined();
  });
});
