import * as core from '@actions/core';
import { ToolError } from '../errors.js';
import { readEvent } from './event.js';
import { readInputs } from './inputs.js';
import { scrubSecrets } from './secrets.js';

/**
 * The Action: reads the inputs and the event, runs `lint`/`plan` or `apply`,
 * and fails the step with one clear line when something stops it. The flows
 * are loaded only once the inputs are valid.
 */
export async function main(): Promise<void> {
  try {
    const inputs = readInputs();
    const event = readEvent();
    if (inputs.command === 'apply') await (await import(/* webpackMode: "eager" */ './apply.js')).runApply(inputs, event);
    else await (await import(/* webpackMode: "eager" */ './check.js')).runCheck(inputs, event);
  } catch (error) {
    if (error instanceof ToolError) {
      core.setFailed(scrubSecrets(`dbfence: ${error.message}`));
      return;
    }
    core.debug(scrubSecrets((error as Error).stack ?? String(error)));
    core.setFailed(scrubSecrets(`dbfence: internal error: ${(error as Error).message ?? String(error)} (re-run with debug logging for details)`));
  }
}
