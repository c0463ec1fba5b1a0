import { summarize } from '../lint/finding.js';
import type { Reporter } from './input.js';

/** The spec's machine-readable output: `{ findings, summary }`, each finding with its rule's documentation. */
export const json: Reporter = ({ files, rules }) => {
  const docs = new Map(rules.map((rule) => [rule.id, rule.docsUrl]));
  const findings = files.flatMap((file) => file.findings).map((finding) => {
    const docsUrl = docs.get(finding.ruleId);
    return docsUrl === undefined ? finding : { ...finding, docsUrl };
  });
  return `${JSON.stringify({ findings, summary: summarize(findings) }, null, 2)}\n`;
};
