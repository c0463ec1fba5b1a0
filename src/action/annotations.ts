import * as core from '@actions/core';
import type { Finding, Severity } from '../lint/finding.js';
import { scrubSecrets } from './secrets.js';

/** GitHub shows at most this many annotations of each level per step and drops the rest silently. */
export const ANNOTATIONS_PER_LEVEL = 10;

/** Any error fails the step, and the failure message is an error annotation too: it keeps one place. */
const LIMIT = { error: ANNOTATIONS_PER_LEVEL - 1, warning: ANNOTATIONS_PER_LEVEL };

export interface AnnotationCounts {
  shown: Record<Severity, number>;
  total: Record<Severity, number>;
}

/**
 * Findings as annotations on the pull request's diff: the first nine errors
 * and the first ten warnings (in reading order), since GitHub would drop the
 * rest without a word. The counts let the summary say what was not shown.
 */
export function annotate(findings: readonly Finding[]): AnnotationCounts {
  const shown = { error: 0, warning: 0 };
  const total = { error: 0, warning: 0 };
  for (const finding of findings) {
    total[finding.severity]++;
    if (shown[finding.severity] >= LIMIT[finding.severity]) continue;
    shown[finding.severity]++;
    const emit = finding.severity === 'error' ? core.error : core.warning;
    emit(scrubSecrets(finding.message), properties(finding));
  }
  return { shown, total };
}

function properties(finding: Finding): core.AnnotationProperties {
  const line = Math.max(1, finding.line);
  const oneLine = finding.endLine === finding.line;
  return {
    title: `dbfence ${finding.ruleId}`,
    file: finding.file,
    startLine: line,
    endLine: Math.max(line, finding.endLine),
    // Columns only on a one-line range (as GitHub requires), and 1-based: core drops a 0.
    ...(oneLine ? { startColumn: Math.max(1, finding.column), endColumn: Math.max(1, finding.endColumn) } : {}),
  };
}

/** A sentence for the summary when GitHub's limits kept findings off the diff. */
export function hiddenAnnotationsNote(counts: AnnotationCounts): string | undefined {
  const hidden = (['error', 'warning'] as const).filter((level) => counts.total[level] > counts.shown[level]);
  if (hidden.length === 0) return undefined;
  const parts = hidden.map((level) => `${counts.total[level] - counts.shown[level]} of ${counts.total[level]} ${level}s`);
  return `${parts.join(' and ')} are not annotated on the diff (GitHub shows at most ${ANNOTATIONS_PER_LEVEL} errors, one of them the step's failure, and ${ANNOTATIONS_PER_LEVEL} warnings per step); every finding is listed here.`;
}
