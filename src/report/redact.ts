import { parse } from 'yaml';
import { findInlineSecrets } from '../lint/secrets.js';

/** An optional `key:` (bare or quoted) after indentation and list dashes, then the value. */
const KEY_VALUE = /^\s*(?:-\s+)*(?:("[^"]*"|'[^']*'|[^\s"'#][^:#]*?)\s*:(?=\s|$)\s*)?(.*)$/;

/** A long run of base64 with upper case, lower case and digits: the body of a key or certificate. */
const KEY_MATERIAL = /[A-Za-z0-9+/=]{32,}/g;

/**
 * Masks what looks like a secret in one source line. The precise redactions
 * come from the parsed document; this is the backstop for what they cannot
 * cover, above all files the parser rejected, whose code frames would
 * otherwise quote a password on the very line the syntax error is about.
 */
export function maskSecretsInLine(line: string): string {
  const [, rawKey, value = ''] = KEY_VALUE.exec(line) ?? [];
  let out = line;
  if (value.trim() !== '') {
    const data = rawKey === undefined ? [readValue(value)] : { [unquote(rawKey)]: readValue(value) };
    if (findInlineSecrets(data).length > 0) out = line.slice(0, line.length - value.length) + stars(value);
  }
  return out.replace(KEY_MATERIAL, (run) => (/[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run) ? stars(run) : run));
}

/** The value as YAML reads it when the fragment parses on its own (a flow mapping, a quoted string), else as text. */
function readValue(text: string): unknown {
  try {
    return parse(text, { logLevel: 'silent' });
  } catch {
    return text.trim();
  }
}

function unquote(key: string): string {
  return /^(["']).*\1$/.test(key) ? key.slice(1, -1) : key;
}

function stars(text: string): string {
  return '*'.repeat(text.length);
}
