import type { Finding } from '../lint/finding.js';

/**
 * Keyed on the rule, file, document path and message, not the line: an alert
 * keeps its identity when lines above it move. Findings that would share a key
 * are told apart by their order, as GitHub's own line hashes are.
 */
export class Fingerprints {
  private readonly seen = new Map<string, number>();

  /** `file` is the path the report names the finding's file by. */
  of(finding: Finding, file: string): string {
    // Loaded on first use: only the formats with fingerprints (SARIF, GitLab) need
    // node:crypto, and loading it was a fiftieth of linting a small file.
    const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(`${finding.ruleId}\u0000${file}\u0000${finding.path}\u0000${finding.message}`).digest('hex').slice(0, 32);
    const occurrence = (this.seen.get(hash) ?? 0) + 1;
    this.seen.set(hash, occurrence);
    return `${hash}:${occurrence}`;
  }
}
