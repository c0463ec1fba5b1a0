import * as core from '@actions/core';
import { ToolError } from '../errors.js';
import type { EndpointsConfig } from '../model/config.js';
import { escapeCell } from '../report/markdown.js';
import { verifyMarkdown } from '../report/verify-proofs.js';
import { runVerify, unsupportedReason } from '../verify/run.js';
import type { VerifyResult } from '../verify/types.js';
import type { ActionInputs } from './inputs.js';
import type { ActionOutputs } from './outputs.js';
import type { Section } from './report.js';
import { maskSecret, scrubSecrets } from './secrets.js';

/**
 * What verify after apply found. `skipped` never fails the step: verify was
 * turned off, or cannot prove this file's provider or engine yet. `error` (it
 * could not run: an endpoint unreachable, a secret missing) fails it, as a
 * failed proof does: nothing was proven.
 */
export type VerifyOutcome =
  | { status: 'passed'; result: VerifyResult }
  | { status: 'failed'; result: VerifyResult }
  | { status: 'skipped'; reason: string }
  | { status: 'error'; reason: string };

/** Runs the proofs of `dbfence verify` on the applied file, with the secrets apply read, each masked as verify reads it. */
export async function verifyAfterApply(inputs: ActionInputs, config: EndpointsConfig): Promise<VerifyOutcome> {
  const unsupported = unsupportedReason(config);
  if (unsupported) return { status: 'skipped', reason: unsupported };
  try {
    const result = await runVerify({ file: inputs.config, resolve: inputs.verifyResolve, connectTo: inputs.verifyConnectTo, onSecret: maskSecret });
    return result.summary.failed === 0 ? { status: 'passed', result } : { status: 'failed', result };
  } catch (error) {
    // Reported with the apply, which did happen: an unexpected error must not lose its comment.
    if (error instanceof ToolError) return { status: 'error', reason: error.message.replace(/^verify: /, '') };
    core.debug(scrubSecrets((error as Error).stack ?? String(error)));
    return { status: 'error', reason: `internal error: ${(error as Error).message ?? String(error)}` };
  }
}

/** The headline's word on verify. */
export function verifyStatusLine(outcome: VerifyOutcome): string {
  switch (outcome.status) {
    case 'passed': return `✅ verified: all ${outcome.result.summary.proofs} proofs hold`;
    case 'failed': return `❌ verify: ${outcome.result.summary.failed} of ${outcome.result.summary.proofs} proofs failed`;
    case 'skipped': return '⏭️ verify skipped';
    case 'error': return '❌ verify could not run';
  }
}

/** Why the step fails because of verify, if it does. */
export function verifyFailure(outcome: VerifyOutcome): string | undefined {
  if (outcome.status === 'failed') return `verify: ${outcome.result.summary.failed} of ${outcome.result.summary.proofs} proofs failed; see the proof table`;
  if (outcome.status === 'error') return `verify could not run: ${outcome.reason}`;
  return undefined;
}

/** The proof table; shortened to its failed proofs, then to a line pointing at the job summary. */
export function verifySection(outcome: VerifyOutcome): Section {
  if (outcome.status === 'skipped' || outcome.status === 'error') {
    const text = `**Verify ${outcome.status === 'skipped' ? 'skipped' : 'could not run'}:** ${escapeCell(outcome.reason)}\n`;
    return { full: text, shorten: () => text };
  }
  const { result } = outcome;
  const full = verifyMarkdown(result);
  const note = '\nThe full proof table is in the job summary.\n';
  return {
    full,
    shorten(budget) {
      const failedOnly = `${verifyMarkdown({ ...result, proofs: result.proofs.filter((proof) => !proof.ok) })}${note}`;
      if (result.summary.failed > 0 && failedOnly.length <= budget) return failedOnly;
      return `**Verify:** ${verifyStatusLine(outcome)}.${note}`;
    },
  };
}

export function logVerify(outcome: VerifyOutcome): void {
  if (outcome.status === 'skipped' || outcome.status === 'error') core.info(`${verifyStatusLine(outcome)}: ${outcome.reason}`);
  else for (const proof of outcome.result.proofs) core.info(`verify ${proof.ok ? '✔' : '✖'} ${proof.integration} ${proof.check}: ${proof.detail}`);
}

/** `verify-result` and `verify-failed`: verify that did not run is `skipped`; one that could not run is `failed` with no count. */
export function verifyOutput(verified: VerifyOutcome | undefined): NonNullable<ActionOutputs['verify']> {
  if (!verified || verified.status === 'skipped') return { result: 'skipped', failed: undefined };
  if (verified.status === 'error') return { result: 'failed', failed: undefined };
  return { result: verified.status, failed: verified.result.summary.failed };
}
