import * as core from '@actions/core';
import { scrubSecrets } from './secrets.js';

/**
 * GitHub drops a step summary over 1 MiB. Counted in characters with room to
 * spare for the few that take more than one byte.
 */
export const SUMMARY_LIMIT = 900_000;

/** Appends markdown to the job summary; outside a runner (no GITHUB_STEP_SUMMARY) there is none to write. */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(scrubSecrets(markdown)).addEOL().write();
}
