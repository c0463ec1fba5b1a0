import { ToolError } from '../../errors.js';
import type { Database, EndpointsConfig } from '../../model/config.js';
import { formatPath, type DocPath } from '../../model/path.js';
import type { Change } from '../../plan/types.js';
import { describeAllowlistChange, desiredAllowlist, toAllowListItems, type AllowlistEntry } from './allowlist.js';
import type { AllowListItem, ModifyServiceEndpoint } from './api-types.js';
import { declaredAccounts, declaredEndpoint, serviceOf } from './desired.js';
import type { SkysqlLive } from './live.js';

/** The service a request goes to. */
export interface ServiceRef {
  id: string;
  name: string;
}

/** What apply sends for one change: one request, then the wait for the service to settle. */
export type SkysqlOperation =
  | { kind: 'replace-allowlist'; service: ServiceRef; items: AllowListItem[] }
  | { kind: 'modify-endpoint'; service: ServiceRef; from: 'nlb' | 'privateconnect'; endpoint: ModifyServiceEndpoint };

export type SkysqlChange = Change<SkysqlOperation>;

/**
 * The changes that make the live services match the file, in the order they
 * must run: a switch to public comes before the allowlist the new endpoint
 * needs. Pure: no request, no clock.
 */
export function planChanges(config: EndpointsConfig, live: SkysqlLive): SkysqlChange[] {
  return config.databases.flatMap((database, index) => changesFor(database, ['databases', index], live));
}

function changesFor(database: Database, databasePath: DocPath, live: SkysqlLive): SkysqlChange[] {
  const service = serviceOf(database, databasePath, live);
  const declared = declaredEndpoint(database, databasePath);
  if (!declared) return [];
  const { endpoint, path } = declared;
  const current = service.endpoint;
  if (!current) {
    throw new ToolError(`${formatPath(path)}: SkySQL service ${service.name} has no endpoint yet (status ${service.status}); plan again once it is ready`);
  }
  if (current.mechanism !== 'nlb' && current.mechanism !== 'privateconnect') {
    throw new ToolError(`${formatPath(path)}: SkySQL service ${service.name} uses the endpoint mechanism ${current.mechanism}, which dbfence does not manage`);
  }
  const address = `${database.name}/${endpoint.name}`;
  const ref: ServiceRef = { id: service.id, name: service.name };
  const from = current.mechanism;

  if (endpoint.exposure === 'private') {
    const accounts = declaredAccounts(endpoint, path);
    const operation: SkysqlOperation = { kind: 'modify-endpoint', service: ref, from, endpoint: { mechanism: 'privateconnect', allowed_accounts: accounts, visibility: 'private' } };
    if (current.mechanism === 'nlb') {
      const cleared = current.allowlist.length;
      return [{
        operation,
        address: `skysql.endpoint.${address}`,
        resource: 'endpoint',
        action: 'replace',
        reason: `switches ${service.name} from public (nlb) to private connect for ${accounts.join(', ')}: SkySQL recreates the endpoint, open connections drop, and the IP allowlist (${cleared} ${cleared === 1 ? 'entry' : 'entries'}) is cleared`,
        destructive: true,
        before: { mechanism: 'nlb', allowlist: current.allowlist },
        after: { mechanism: 'privateconnect', allowedAccounts: accounts },
        path: [...path, 'exposure'],
      }];
    }
    const accountsChange = describeSetChange(current.allowedAccounts, accounts);
    if (accountsChange === undefined) return [];
    return [{
      operation,
      address: `skysql.allowed-accounts.${address}`,
      resource: 'allowed-accounts',
      action: 'update',
      reason: `allowed accounts of ${service.name}: ${accountsChange}`,
      destructive: false,
      before: current.allowedAccounts,
      after: accounts,
      path: [...path, 'allowedAccounts'],
    }];
  }

  const allowPath: DocPath = [...path, 'allow'];
  const allowlist = desiredAllowlist(endpoint.allow ?? [], allowPath, service.name, service.cloud);
  const changes: SkysqlChange[] = [];
  let before: AllowlistEntry[] = current.allowlist;
  if (current.mechanism === 'privateconnect') {
    changes.push({
      operation: { kind: 'modify-endpoint', service: ref, from, endpoint: { mechanism: 'nlb', visibility: 'public' } },
      address: `skysql.endpoint.${address}`,
      resource: 'endpoint',
      action: 'replace',
      reason: `switches ${service.name} from private connect to public (nlb): SkySQL recreates the endpoint, open connections drop, the allowed accounts (${current.allowedAccounts.join(', ') || 'none'}) lose access, and the new endpoint starts with an empty allowlist`,
      destructive: true,
      before: { mechanism: 'privateconnect', allowedAccounts: current.allowedAccounts },
      after: { mechanism: 'nlb' },
      path: [...path, 'exposure'],
    });
    // SkySQL cleared the allowlist when private connect was enabled and does not restore it.
    before = [];
  }
  const allowlistChange = describeAllowlistChange(before, allowlist);
  if (allowlistChange !== undefined) {
    changes.push({
      operation: { kind: 'replace-allowlist', service: ref, items: toAllowListItems(allowlist) },
      address: `skysql.allowlist.${address}`,
      resource: 'allowlist',
      action: 'update',
      reason: `allowlist of ${service.name}: ${allowlistChange}`,
      destructive: false,
        before,
      after: allowlist,
      path: endpoint.allow ? allowPath : path,
    });
  }
  return changes;
}

function describeSetChange(before: readonly string[], after: readonly string[]): string | undefined {
  const added = after.filter((item) => !before.includes(item));
  const removed = before.filter((item) => !after.includes(item));
  const parts = [
    added.length > 0 ? `add ${added.join(', ')}` : undefined,
    removed.length > 0 ? `remove ${removed.join(', ')}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length > 0 ? parts.join('; ') : undefined;
}
