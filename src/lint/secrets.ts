/**
 * Finds secret values written into the file. Used by `no-inline-secrets` and,
 * whatever the rule's setting, to mask those values wherever output quotes the
 * source or a message quotes the file, so a secret never reaches a log.
 *
 * Every pattern here runs on text of any size (a 15 MB one-line value), so
 * each is written to match in linear time without a deep backtrack stack: a
 * run of at least n characters is `x{n}x*`, never `x{n,}` (which V8 runs with
 * a backtrack entry per character and overflows on megabytes), and a pattern
 * whose body can contain its own start only starts where a run begins.
 */

import type { DocPath } from '../model/path.js';

export interface InlineSecret {
  path: (string | number)[];
  /** What it looks like, for the message: never the value itself. */
  kind: string;
}

const SECRET_KEY = /^(password|passwd|pwd|pass|secret|client_?secret|token|api_?key|apikey|access_?key|secret_?key|private_?key|auth_?token)$/i;

/** A URL with a password in its user part; `^` for a whole value, unanchored (from where a scheme begins) inside text. */
const URL_WITH_PASSWORD = '[A-Za-z][A-Za-z0-9+.-]*:\\/\\/[^/\\s:@]+:[^/\\s@]+@';

/** Shapes found anywhere in a string (and so anywhere in a message), with what each looks like. */
const EMBEDDED_SHAPES: [RegExp, string][] = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, 'a private key'],
  [/\bgh[pousr]_[A-Za-z0-9]{30}[A-Za-z0-9]*\b|\bgithub_pat_[A-Za-z0-9_]{30}[A-Za-z0-9_]*\b/, 'a GitHub token'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10}[A-Za-z0-9-]*\b/, 'a Slack token'],
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8}[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]{8}[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{8}[A-Za-z0-9_-]*/, 'a JSON Web Token'],
  [/\b(?:sk|rk)_live_[A-Za-z0-9]{16}[A-Za-z0-9]*\b/, 'an API secret key'],
];

const VALUE_SHAPES: [RegExp, string][] = [
  [new RegExp(`^${URL_WITH_PASSWORD}`), 'a URL with a password'],
  ...EMBEDDED_SHAPES,
];

/** Something every shape above contains: one test rules out nearly every string of a large file. */
const ANY_SHAPE = /-----BEGIN|:\/\/|gh[pousr]_|github_pat_|AKIA|ASIA|xox[abprs]-|eyJ|_live_/i;

/** What a string written in the file looks like when it looks like a secret ('a GitHub token'), else undefined. */
export function secretKind(text: string): string | undefined {
  if (!ANY_SHAPE.test(text)) return undefined;
  return VALUE_SHAPES.find(([pattern]) => pattern.test(text))?.[1];
}

const cache = new WeakMap<object, InlineSecret[]>();

/** The secrets of a parsed document (computed once per document: the rule and the masking share it). */
export function findInlineSecrets(data: unknown): InlineSecret[] {
  if (data === null || typeof data !== 'object') return [];
  let found = cache.get(data);
  if (!found) {
    found = collect(data);
    cache.set(data, found);
  }
  return found;
}

/** A node still to visit, and how it hangs from its parent: the path is built only for a secret. */
interface Visit {
  value: unknown;
  key: string | number | undefined;
  parent: Visit | undefined;
}

/** Walks the document with a stack of its own, so that no nesting depth can overflow the call stack. */
function collect(root: object): InlineSecret[] {
  const found: InlineSecret[] = [];
  const pending: Visit[] = [{ value: root, key: undefined, parent: undefined }];
  while (pending.length > 0) {
    const visit = pending.pop()!;
    const { value, key } = visit;
    const secretKey = typeof key === 'string' && SECRET_KEY.test(key);
    if (typeof value === 'number' || typeof value === 'bigint') {
      // YAML reads `password: 123456789` as a number: still a password written in the file.
      if (secretKey) found.push({ path: pathOf(visit), kind: `a ${key} value` });
    } else if (typeof value === 'string') {
      const kind = secretKey && value !== '' ? `a ${key} value` : secretKind(value);
      if (kind) found.push({ path: pathOf(visit), kind });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], key: i, parent: visit });
    } else if (value !== null && typeof value === 'object') {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        pending.push({ value: (value as Record<string, unknown>)[keys[i]!], key: keys[i]!, parent: visit });
      }
    }
  }
  return found;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** The values of a document's secrets, as text, for masking messages that quote them some other way. */
export function inlineSecretValues(data: unknown): string[] {
  return findInlineSecrets(data).flatMap(({ path }) => {
    let node: unknown = data;
    for (const segment of path) node = (node as Record<string | number, unknown>)[segment];
    return typeof node === 'string' || typeof node === 'number' || typeof node === 'bigint' ? [String(node)] : [];
  });
}

/** What replaces a secret inside a message: fixed, so that not even its length shows. */
export const MASK = '********';

/** Secret shapes inside any text, each starting only where it may begin, for masking them all in one pass. */
const EMBEDDED_SECRETS = new RegExp(
  [`(?<![A-Za-z0-9+.-])${URL_WITH_PASSWORD}`, ...EMBEDDED_SHAPES.map(([pattern]) => pattern.source)].join('|'), 'g',
);

/** A long run of base64 (the body of a key or certificate) is masked when it mixes upper case, lower case and digits. */
const KEY_MATERIAL = /[A-Za-z0-9+/=]{32}[A-Za-z0-9+/=]*/g;

/** Shorter known values are not searched for in messages: they would mask ordinary words. */
const MIN_KNOWN_SECRET_LENGTH = 4;

/**
 * Masks whatever looks like a secret in free text, and each of `known` (the
 * document's secret values) wherever it appears, raw or JSON-escaped. Linear
 * in the text's length. `replace` gives what a match becomes (by default MASK).
 */
export function maskSecretsInText(text: string, known: readonly string[] = [], replace: (match: string) => string = () => MASK): string {
  let out = text;
  for (const value of known) {
    if (value.length < MIN_KNOWN_SECRET_LENGTH) continue;
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
      if (out.includes(form)) out = out.split(form).join(replace(form));
    }
  }
  if (ANY_SHAPE.test(out)) out = out.replace(EMBEDDED_SECRETS, replace);
  return out.replace(KEY_MATERIAL, (run) => (looksLikeKeyMaterial(run) ? replace(run) : run));
}

function looksLikeKeyMaterial(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run);
}

/** How long a message may be; anything longer is cut, with an ellipsis. */
export const MAX_MESSAGE_LENGTH = 2000;

/**
 * The one way a finding's message leaves the linter: secrets masked (those
 * of the document and anything shaped like one) and the length capped, so a
 * message that quotes the file can neither leak a secret nor flood a report.
 */
export function safeMessage(message: string, known: readonly string[] = []): string {
  return capText(maskSecretsInText(message, known), MAX_MESSAGE_LENGTH);
}

/** Values under these keys may be secrets written in the wrong place: never quoted. */
const SECRET_BEARING = /pass|token|secret|key|url|from(env|file)|credential/i;

/** How much of a string a message quotes. */
export const MAX_QUOTED_LENGTH = 80;

/** Whether a message may show this value, found at this path: never under a secret-bearing key, never a secret. */
export function mayQuote(value: unknown, path: DocPath = []): boolean {
  if (path.some((segment) => typeof segment === 'string' && SECRET_BEARING.test(segment))) return false;
  return typeof value !== 'string' || secretKind(value) === undefined;
}

/**
 * A value the user wrote, as a message quotes it: a string in double quotes
 * and cut to MAX_QUOTED_LENGTH; a list or mapping named, not printed; and
 * a value that may be a secret described instead of shown.
 */
export function quoteValue(value: unknown, path: DocPath = []): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  if (!mayQuote(value, path)) {
    const kind = typeof value === 'string' ? secretKind(value) : undefined;
    return kind ? `a value that looks like ${kind} (not shown)` : 'the value';
  }
  if (typeof value !== 'string') return String(value);
  return JSON.stringify(capText(value, MAX_QUOTED_LENGTH));
}

/** At most `max` characters of `text`, the last an ellipsis when it was cut (never half of a surrogate pair). */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end--;
  return `${text.slice(0, end)}…`;
}
