import { ToolError } from '../../errors.js';
import type { ApplyResult, ChangeOutcome } from '../../plan/types.js';
import { link, optionalString } from './hal.js';
import type { AptibleClient } from './http.js';
import type { OperationRunner } from './operations.js';
import { endpointLabel, type Step, type StepAction } from './steps.js';

export interface StepRunnerDeps {
  client: AptibleClient;
  operations: OperationRunner;
  log: (message: string) => void;
  onOutcome?: ((outcome: ChangeOutcome) => void) | undefined;
}

/**
 * Carries out the steps in order, each to the end of its Aptible operation.
 * The first failure stops the run: what follows is reported as skipped.
 */
export async function runSteps(steps: readonly Step[], deps: StepRunnerDeps): Promise<ApplyResult> {
  const outcomes: ChangeOutcome[] = [];
  const record = (outcome: ChangeOutcome) => {
    outcomes.push(outcome);
    deps.onOutcome?.(outcome);
  };
  let failure: string | undefined;
  for (const step of steps) {
    if (failure !== undefined) {
      record({ change: step.change, status: 'skipped', error: skippedBecause(step.action, failure) });
      continue;
    }
    try {
      await runAction(step.action, deps);
      record({ change: step.change, status: 'applied' });
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      failure = step.change.address;
      record({ change: step.change, status: 'failed', error: error.message });
    }
  }
  return { outcomes, ok: failure === undefined };
}

function skippedBecause(action: StepAction, failed: string): string {
  const base = `not run: ${failed} failed first`;
  if (action.kind !== 'restart-database') return base;
  // The next plan cannot tell that this restart is still owed, so say it now.
  const { handle } = action.database;
  return `${base}; until ${handle} restarts, its certificate does not name endpoints created in this run (\`aptible db:restart ${handle}\`)`;
}

async function runAction(action: StepAction, { client, operations, log }: StepRunnerDeps): Promise<void> {
  switch (action.kind) {
    case 'create-endpoint': {
      const what = `creating endpoint ${action.database.handle}/${action.name}`;
      const service = await client.get(action.serviceHref);
      const vhost = await client.post(link(service, 'vhosts', `the service of ${action.database.handle}`), {
        type: 'tcp',
        internal: false,
        ip_whitelist: action.ipWhitelist,
      });
      await operations.run(link(vhost, 'operations', what), 'provision', what);
      const provisioned = await client.get(link(vhost, 'self', what));
      const hostname = optionalString(provisioned, 'external_host');
      if (hostname !== undefined) {
        log(`${action.database.handle}/${action.name} is ${hostname}: write \`hostname: ${hostname}\` under it in the file to pin it`);
      }
      return;
    }
    case 'set-ip-filter': {
      const what = `changing the IP filter of ${action.database.handle}/${action.name}`;
      await client.put(action.endpoint.href, { ip_whitelist: action.ipWhitelist });
      // The stored filter reaches the load balancer only through a provision operation.
      await operations.run(action.endpoint.operationsHref, 'provision', what);
      return;
    }
    case 'provision-endpoint':
      await operations.run(action.endpoint.operationsHref, 'provision', `provisioning endpoint ${action.database.handle}/${action.name}`);
      return;
    case 'deprovision-endpoint':
      await operations.run(
        action.endpoint.operationsHref,
        'deprovision',
        `deprovisioning endpoint ${action.database.handle}/${endpointLabel(action.endpoint)}`,
      );
      return;
    case 'restart-database':
      await operations.run(action.database.operationsHref, 'restart', `restarting database ${action.database.handle}`);
      return;
  }
}
