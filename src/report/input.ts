import type { Finding, Severity } from '../lint/finding.js';
import type { OffsetRange } from '../model/locations.js';
import type { SourceFile } from '../model/source.js';
import { maskSecretsInLine } from './redact.js';

/** What a reporter knows of a rule: enough for SARIF's rule table and for help links. */
export interface RuleDescriptor {
  id: string;
  severity: Severity;
  description: string;
  rationale: string;
  docsUrl: string | undefined;
}

export interface ReportedFile {
  source: SourceFile;
  findings: readonly Finding[];
  /** Source ranges holding secrets: masked in any quoted source line. */
  redactions: readonly OffsetRange[];
}

export interface ReportInput {
  files: readonly ReportedFile[];
  rules: readonly RuleDescriptor[];
  tool: { name: string; version: string; informationUri: string };
  /**
   * The folder SARIF, github, junit and gitlab paths are relative to (the
   * repository's top folder). Absent: paths as the findings name them.
   */
  baseDir?: string | undefined;
}

export type Reporter = (input: ReportInput) => string;

/**
 * A reader of the file's source lines with every secret replaced by
 * asterisks: the ranges the parsed document marked, and anything that looks
 * like a secret on the line. Each line is masked once however many findings
 * quote it, and finds its ranges by binary search, so a file with a hundred
 * thousand secrets and findings is not quadratic.
 */
export function redactedLines(file: ReportedFile): (line: number) => string {
  const ranges = [...file.redactions].sort((a, b) => a.start - b.start);
  // furthest[i]: the furthest end of ranges[0..i], to stop looking back at the first range that cannot reach a line.
  const furthest: number[] = [];
  for (const [i, range] of ranges.entries()) furthest.push(Math.max(range.end, furthest[i - 1] ?? -Infinity));
  const masked = new Map<number, string>();
  return (line) => {
    let out = masked.get(line);
    if (out !== undefined) return out;
    const text = file.source.lineText(line);
    const lineStart = file.source.lineCounter.lineStarts[line - 1] ?? 0;
    const lineEnd = lineStart + text.length;
    // The ranges that start before the line ends are ranges[0..low).
    let low = 0;
    let high = ranges.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (ranges[mid]!.start < lineEnd) low = mid + 1;
      else high = mid;
    }
    const spans: [number, number][] = [];
    for (let i = low - 1; i >= 0 && furthest[i]! > lineStart; i--) {
      const { start, end } = ranges[i]!;
      if (end > lineStart) spans.push([Math.max(start - lineStart, 0), Math.min(end - lineStart, text.length)]);
    }
    out = maskSecretsInLine(starred(text, spans.reverse()));
    masked.set(line, out);
    return out;
  };
}

/** The text with each span (sorted by start, perhaps overlapping) replaced by as many asterisks. */
function starred(text: string, spans: readonly [number, number][]): string {
  if (spans.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const [from, to] of spans) {
    if (to <= at) continue;
    const start = Math.max(from, at);
    parts.push(text.slice(at, start), '*'.repeat(to - start));
    at = to;
  }
  parts.push(text.slice(at));
  return parts.join('');
}
