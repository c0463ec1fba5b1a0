import type { Step } from '../../plan/runner.js';
import { liveAllowlistEntry, sameAllowlist } from './allowlist.js';
import type { SkysqlChange, SkysqlOperation } from './diff.js';
import type { LiveService } from './live.js';
import { waitUntilSettled, type WaitDeps } from './wait.js';

/**
 * One step per change, each one request (the allowlist as one PUT of the
 * whole list) and the wait for the service to settle after it.
 */
export function skysqlSteps(changes: readonly SkysqlChange[], deps: WaitDeps): Step[] {
  return changes.map((change) => ({
    changes: [change],
    async run() {
      await run(change.operation, deps);
      deps.log(`skysql: applied ${change.address}`);
    },
  }));
}

async function run(operation: SkysqlOperation, deps: WaitDeps): Promise<void> {
  const { service } = operation;
  if (operation.kind === 'replace-allowlist') {
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
    mechanism === operation.from
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
