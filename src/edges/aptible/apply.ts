import type { Step } from '../../plan/runner.js';
import { link, optionalString } from './hal.js';
import type { AptibleClient } from './http.js';
import type { OperationRunner } from './operations.js';
import { type AptibleChange, type AptibleOperation, endpointLabel } from './steps.js';

export interface StepDeps {
  client: AptibleClient;
  operations: OperationRunner;
  log: (message: string) => void;
}

/** One step per change, each carried out to the end of its Aptible operation. */
export function aptibleSteps(changes: readonly AptibleChange[], deps: StepDeps): Step[] {
  return changes.map((change) => ({
    changes: [change],
    run: () => runAction(change.operation, deps),
    ...(change.operation.kind === 'restart-database' ? { skippedNote: restartOwed(change.operation.database.handle) } : {}),
  }));
}

/** The next plan cannot tell that a restart is still owed, so a skipped one says so now. */
function restartOwed(handle: string): string {
  return `until ${handle} restarts, its certificate does not name endpoints created in this run (\`aptible db:restart ${handle}\`)`;
}

async function runAction(action: AptibleOperation, { client, operations, log }: StepDeps): Promise<void> {
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
