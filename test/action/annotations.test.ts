import { describe, expect, it, vi } from 'vitest';
import * as core from '@actions/core';
import { annotate, hiddenAnnotationsNote } from '../../src/action/annotations.js';
import type { Finding } from '../../src/lint/finding.js';

vi.mock('@actions/core', { spy: true });

const finding = (severity: Finding['severity'], line: number, endLine = line): Finding => ({
  ruleId: 'no-world-open', severity, message: `open to the world on line ${line}`, file: 'envs/prod/endpoints.yaml', path: 'databases[0]',
  line, column: 0, endLine, endColumn: 12,
});

describe('annotations', () => {
  it('put findings on the diff with file, line and 1-based columns', () => {
    vi.mocked(core.error).mockImplementation(() => {});
    vi.mocked(core.warning).mockImplementation(() => {});
    annotate([finding('error', 4), finding('warning', 7, 9)]);
    expect(core.error).toHaveBeenCalledWith('open to the world on line 4', {
      title: 'dbfence no-world-open', file: 'envs/prod/endpoints.yaml', startLine: 4, endLine: 4, startColumn: 1, endColumn: 12,
    });
    // Columns are only allowed on a one-line range.
    expect(core.warning).toHaveBeenCalledWith('open to the world on line 7', { title: 'dbfence no-world-open', file: 'envs/prod/endpoints.yaml', startLine: 7, endLine: 9 });
  });

  it('stay within GitHub\'s ten errors (one kept for the step\'s failure) and ten warnings per step, and say how many were left off', () => {
    vi.mocked(core.error).mockClear();
    vi.mocked(core.warning).mockClear();
    const counts = annotate([...Array.from({ length: 14 }, (_, i) => finding('error', i + 1)), ...Array.from({ length: 3 }, (_, i) => finding('warning', i + 1))]);
    expect(core.error).toHaveBeenCalledTimes(9);
    expect(core.warning).toHaveBeenCalledTimes(3);
    expect(hiddenAnnotationsNote(counts)).toBe('5 of 14 errors are not annotated on the diff (GitHub shows at most 10 errors, one of them the step\'s failure, and 10 warnings per step); every finding is listed here.');
  });
});
