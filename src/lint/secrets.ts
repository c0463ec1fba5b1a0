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

export function findInlineSecrets(data: unknown): InlineSecret[] {
  const found: InlineSecret[] = [];
  const visit = (value: unknown, path: (string | number)[]) => {
    if (typeof value === 'string') {
      const key = path[path.length - 1];
      if (typeof key === 'string' && SECRET_KEY.test(key) && value !== '') {
        found.push({ path, kind: `a ${key} value` });
        return;
      }
      for (const [shape, kind] of VALUE_SHAPES) {
        if (shape.test(value)) {
          found.push({ path, kind });
          return;
        }
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, [...path, i]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    }
  };
  visit(data, []);
  return found;
}
