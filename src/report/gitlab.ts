import { Fingerprints } from './fingerprint.js';
import type { Reporter } from './input.js';
import { reportPath } from './paths.js';

/** GitLab ranks Code Quality issues from info to blocker; as ESLint's GitLab formatters map them. */
const SEVERITY = { error: 'major', warning: 'minor' } as const;

/**
 * GitLab Code Quality (a JSON array, `artifacts:reports:codequality`): each
 * finding with its rule, a fingerprint that survives edits elsewhere in the
 * file (the SARIF one), and its path relative to the repository's top folder.
 */
export const gitlab: Reporter = ({ files, baseDir }) => {
  const fingerprints = new Fingerprints();
  const issues = files.flatMap((file) => file.findings).map((finding) => {
    const path = reportPath(finding.file, baseDir);
    return {
      description: finding.message,
      check_name: finding.ruleId,
      fingerprint: fingerprints.of(finding, path),
      severity: SEVERITY[finding.severity],
      location: { path, lines: { begin: Math.max(1, finding.line) } },
    };
  });
  return `${JSON.stringify(issues, null, 2)}\n`;
};
