import { parse } from 'yaml';
import { findInlineSecrets, maskSecretsInText } from '../lint/secrets.js';

/**
 * A value longer or more deeply nested than this is judged as text, not read
 * as YAML: the parser's recursion must not meet a hostile line (thousands of
 * nested brackets), and a reference (`{ fromEnv: NAME }`) is short.
 */
const MAX_PARSED_VALUE_LENGTH = 4096;
const MAX_PARSED_VALUE_DEPTH = 32;

/**
 * Masks what looks like a secret in one source line, keeping its length so
 * carets stay under the text. The precise redactions come from the parsed
 * document; this is the backstop for what they cannot cover, above all files
 * the parser rejected, whose code frames would otherwise quote a password on
 * the very line the syntax error is about. Linear in the line's length.
 */
export function maskSecretsInLine(line: string): string {
  const { key, valueStart } = splitKeyValue(line);
  const value = line.slice(valueStart);
  if (value.trim() !== '') {
    const data = key === undefined ? [readValue(value)] : { [key]: readValue(value) };
    if (findInlineSecrets(data).length > 0) return line.slice(0, valueStart) + stars(value);
  }
  return maskSecretsInText(line, [], stars);
}

/**
 * Where a line's value starts, after indentation, list dashes and an optional
 * `key:` (bare or quoted), and that key. One pass over the line, no regex
 * that could backtrack over it.
 */
function splitKeyValue(line: string): { key: string | undefined; valueStart: number } {
  let at = skipSpace(line, 0);
  while (line[at] === '-' && isSpace(line, at + 1)) at = skipSpace(line, at + 1);
  const keyStart = at;
  let keyEnd = -1;
  const quote = line[at];
  if (quote === '"' || quote === "'") {
    const close = line.indexOf(quote, at + 1);
    if (close > 0) {
      const colon = skipSpace(line, close + 1);
      if (line[colon] === ':' && isSpace(line, colon + 1)) keyEnd = colon;
    }
  } else if (quote !== undefined && quote !== '#' && !isSpace(line, at)) {
    // A bare key runs to the first `:` (followed by a space or the end); a `#` first makes it a comment.
    for (let i = at + 1; i < line.length; i++) {
      const c = line[i];
      if (c === '#') break;
      if (c === ':') {
        if (isSpace(line, i + 1)) keyEnd = i;
        break;
      }
    }
  }
  if (keyEnd < 0) return { key: undefined, valueStart: keyStart };
  const key = line.slice(keyStart, keyEnd).trim();
  return { key: /^(["']).*\1$/.test(key) ? key.slice(1, -1) : key, valueStart: skipSpace(line, keyEnd + 1) };
}

/** A space or tab at `at`, or the end of the line. */
function isSpace(line: string, at: number): boolean {
  return at >= line.length || line[at] === ' ' || line[at] === '\t';
}

function skipSpace(line: string, from: number): number {
  let at = from;
  while (at < line.length && (line[at] === ' ' || line[at] === '\t')) at++;
  return at;
}

/** The value as YAML reads it when the fragment is small and parses on its own (a flow mapping, a quoted string), else as text. */
function readValue(text: string): unknown {
  if (text.length > MAX_PARSED_VALUE_LENGTH || nesting(text) > MAX_PARSED_VALUE_DEPTH) return text.trim();
  try {
    return parse(text, { logLevel: 'silent' });
  } catch {
    return text.trim();
  }
}

/** How deeply brackets and braces nest in the text, counting those in quotes too (an upper bound is enough). */
function nesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (const c of text) {
    if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return deepest;
}

function stars(text: string): string {
  return '*'.repeat(text.length);
}
