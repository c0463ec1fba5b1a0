import * as core from '@actions/core';

const secrets = new Set<string>();

/**
 * Masks a secret in the job's log (core.setSecret) and remembers it, so that
 * text the runner does not mask (pull-request comments, the SARIF file) can be
 * scrubbed too. A URL's password is masked on its own as well: a client error
 * may quote it without the rest of the URL.
 */
export function maskSecret(value: string): void {
  for (const form of [value, ...urlPassword(value)]) {
    if (form === '' || secrets.has(form)) continue;
    secrets.add(form);
    core.setSecret(form);
  }
}

/** The text with every known secret replaced by `***`, longest first so no fragment of one survives. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

function urlPassword(value: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || !URL.canParse(value)) return [];
  const { password } = new URL(value);
  if (password === '') return [];
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // A malformed escape: the raw form is all there is to mask.
  }
  return [password, decoded];
}
