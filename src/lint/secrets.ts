/**
 * Finds secret values written into the file. Used by `no-inline-secrets` and,
 * whatever the rule's setting, to mask those values wherever output quotes the
 * source, so a secret never reaches a log.
 */

export interface InlineSecret {
  path: (string | number)[];
  /** What it looks like, for the message: never the value itself. */
  kind: string;
}

const SECRET_KEY = /^(password|passwd|pwd|pass|secret|client_?secret|token|api_?key|apikey|access_?key|secret_?key|private_?key|auth_?token)$/i;

const VALUE_SHAPES: [RegExp, string][] = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, 'a private key'],
  [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{30,}\b/, 'a GitHub token'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}\b/, 'a Slack token'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/, 'a JSON Web Token'],
  [/\b(sk|rk)_live_[A-Za-z0-9]{16,}\b/, 'an API secret key'],
];

/** Something every shape above contains: one test rules out nearly every string of a large file. */
const ANY_SHAPE = /-----BEGIN|:\/\/|gh[pousr]_|github_pat_|AKIA|ASIA|xox[abprs]-|eyJ|_live_/i;

const cache = new WeakMap<object, InlineSecret[]>();

/** The secrets of a parsed document (computed once per document: the rule and the masking share it). */
export function findInlineSecrets(data: unknown): InlineSecret[] {
  if (data === null || typeof data !== 'object') return [];
  let found = cache.get(data);
  if (!found) {
    found = [];
    collect(data, [], found);
    cache.set(data, found);
  }
  return found;
}

function collect(value: unknown, path: (string | number)[], found: InlineSecret[]): void {
  if (typeof value === 'number' || typeof value === 'bigint') {
    // YAML reads `password: 123456789` as a number: still a password written in the file.
    const key = path[path.length - 1];
    if (typeof key === 'string' && SECRET_KEY.test(key)) found.push({ path: [...path], kind: `a ${key} value` });
    return;
  }
  if (typeof value === 'string') {
    const key = path[path.length - 1];
    if (typeof key === 'string' && value !== '' && SECRET_KEY.test(key)) {
      found.push({ path: [...path], kind: `a ${key} value` });
    } else if (ANY_SHAPE.test(value)) {
      const shape = VALUE_SHAPES.find(([pattern]) => pattern.test(value));
      if (shape) found.push({ path: [...path], kind: shape[1] });
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  // One path array, extended and restored, instead of a new array per node.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      collect(value[i], path, found);
      path.pop();
    }
  } else {
    for (const key of Object.keys(value)) {
      path.push(key);
      collect((value as Record<string, unknown>)[key], path, found);
      path.pop();
    }
  }
}
