import { summarize } from '../lint/finding.js';
import type { Reporter } from './input.js';

/** The spec's machine-readable output: `{ findings, summary }`. */
export const json: Reporter = ({ files }) => {
  const findings = files.flatMap((file) => file.findings);
  return `${JSON.stringify({ findings, summary: summarize(findings) }, null, 2)}\n`;
};
