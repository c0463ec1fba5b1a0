import * as core from '@actions/core';

export interface ActionOutputs {
  errors: number;
  warnings: number;
  /** Undefined when no plan was made. */
  changes: number | undefined;
  /** Undefined when drift was not checked. */
  drift: number | undefined;
  commentUrl: string | undefined;
  sarifFile: string | undefined;
  /** Apply only: verify's result, and the number of proofs that failed (undefined when none were made). */
  verify?: { result: 'passed' | 'failed' | 'skipped'; failed: number | undefined };
}

/** Every output is set on every run, empty when it does not apply, so `if:` expressions never read a stale value. */
export function setOutputs(outputs: ActionOutputs): void {
  core.setOutput('errors', String(outputs.errors));
  core.setOutput('warnings', String(outputs.warnings));
  core.setOutput('changes', outputs.changes === undefined ? '' : String(outputs.changes));
  core.setOutput('drift', outputs.drift === undefined ? '' : String(outputs.drift));
  core.setOutput('comment-url', outputs.commentUrl ?? '');
  core.setOutput('sarif-file', outputs.sarifFile ?? '');
  core.setOutput('verify-result', outputs.verify?.result ?? '');
  core.setOutput('verify-failed', outputs.verify?.failed === undefined ? '' : String(outputs.verify.failed));
}
