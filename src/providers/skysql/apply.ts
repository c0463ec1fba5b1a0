import { ToolError } from '../../errors.js';
import { refuseUnacknowledged } from '../../plan/acknowledge.js';
import type { ApplyResult, ChangeOutcome } from '../../plan/types.js';
import type { ApplyOptions } from '../types.js';
import { liveAllowlistEntry, sameAllowlist } from './allowlist.js';
import type { Operation, Step } from './diff.js';
import type { LiveService } from './live.js';
import { waitUntilSettled, type WaitDeps } from './wait.js';

/**
 * Runs the steps in order, one request each (the allowlist as one PUT of the
 * whole list), waiting for the service to settle after each. Destructive
 * steps are refused up front unless allowed, so a refusal applies nothing.
 * The first failure stops the run; the steps after it are reported skipped.
 */
export async function applySteps(steps: readonly Step[], deps: WaitDeps, { allowDestructive, onOutcome }: ApplyOptions): Promise<ApplyResult> {
  refuseUnacknowledged(steps.map((step) => step.change), allowDestructive);
  const outcomes: ChangeOutcome[] = [];
  const record = (outcome: ChangeOutcome) => {
    outcomes.push(outcome);
    onOutcome?.(outcome);
  };
  let failed = false;
  for (const step of steps) {
    if (failed) {
      record({ change: step.change, status: 'skipped' });
      continue;
    }
    try {
      await run(step.operation, deps);
      record({ change: step.change, status: 'applied' });
      deps.log(`skysql: applied ${step.change.address}`);
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      failed = true;
      record({ change: step.change, status: 'failed', error: error.message });
    }
  }
  return { outcomes, ok: !failed };
}

async function run(operation: Operation, deps: WaitDeps): Promise<void> {
  const { service } = operation;
  if (operation.kind === 'allowlist') {
    deps.log(`skysql: replacing the allowlist of ${service.name} (${operation.items.length} ${operation.items.length === 1 ? 'entry' : 'entries'})`);
    await deps.api.replaceAllowlist(service.id, operation.items);
    const expected = operation.items.map(liveAllowlistEntry);
    await waitUntilSettled(deps, service, {
      what: 'the new allowlist',
      test: (current) => sameAllowlist(current.endpoint?.allowlist ?? [], expected),
    });
    return;
  }
  const { mechanism, allowed_accounts: accounts = [] } = operation.endpoint;
  deps.log(
    mechanism === service.endpoint?.mechanism
      ? `skysql: setting the allowed accounts of ${service.name}`
      : `skysql: switching ${service.name} to ${mechanism === 'nlb' ? 'public (nlb)' : 'private connect'}; its open connections drop`,
  );
  await deps.api.modifyPrimaryEndpoint(service.id, operation.endpoint);
  await waitUntilSettled(deps, service, {
    what: mechanism === 'nlb' ? 'the public endpoint' : 'the private endpoint with its allowed accounts',
    test: (current: LiveService) =>
      current.endpoint?.mechanism === mechanism &&
      (mechanism === 'nlb' || sameSet(current.endpoint.allowedAccounts, accounts)),
  });
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}
