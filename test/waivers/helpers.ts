import type { Finding } from '../../src/lint/finding.js';

/**
 * `text` with `comment` on its own line just above the first line containing
 * `needle`, indented like that line (for a list item, like its dash).
 */
export function above(text: string, needle: string, comment: string): string {
  const at = text.indexOf(needle);
  if (at === -1) throw new Error(`fixture does not contain ${JSON.stringify(needle)}`);
  const lineStart = text.lastIndexOf('\n', at) + 1;
  const indent = /^ */.exec(text.slice(lineStart))![0];
  return `${text.slice(0, lineStart)}${indent}${comment}\n${text.slice(lineStart)}`;
}

/** Findings as [ruleId, path] pairs: what fired and where, in reading order. */
export function fired(findings: readonly Finding[]): [string, string][] {
  return findings.map((finding) => [finding.ruleId, finding.path]);
}
