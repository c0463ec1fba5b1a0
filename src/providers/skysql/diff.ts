import { ToolError } from '../../errors.js';
import type { Database, EndpointsConfig } from '../../model/config.js';
import { formatPath, type DocPath } from '../../model/path.js';
import type { Change } from '../../plan/types.js';
import { describeAllowlistChange, desiredAllowlist, toAllowListItems, type AllowlistEntry } from './allowlist.js';
import type { AllowListItem, ModifyServiceEndpoint } from './api-types.js';
import { declaredAccounts, declaredEndpoint, serviceOf } from './desired.js';
import type { LiveService, SkysqlLive } from './live.js';

/** What apply sends for one change. */
export type Operation =
  | { kind: 'allowlist'; service: LiveService; items: AllowListItem[] }
  | { kind: 'endpoint'; service: LiveService; endpoint: ModifyServiceEndpoint };

export interface Step {
  change: Change;
  operation: Operation;
}

/**
 * The steps that make the live services match the file, in the order they must
 * run: a switch to public comes before the allowlist the new endpoint needs.
 * Pure: no request, no clock.
 */
export function planSteps(config: EndpointsConfig, live: SkysqlLive): Step[] {
  return config.databases.flatMap((database, index) => stepsFor(database, ['databases', index], live));
}

function stepsFor(database: Database, databasePath: DocPath, live: SkysqlLive): Step[] {
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

  if (endpoint.exposure === 'private') {
    const accounts = declaredAccounts(endpoint, path);
    const operation: Operation = { kind: 'endpoint', service, endpoint: { mechanism: 'privateconnect', allowed_accounts: accounts, visibility: 'private' } };
    if (current.mechanism === 'nlb') {
      const cleared = current.allowlist.length;
      return [{
        operation,
        change: {
          address: `skysql.endpoint.${address}`,
          resource: 'endpoint',
          action: 'replace',
          reason: `switches ${service.name} from public (nlb) to private connect for ${accounts.join(', ')}: SkySQL recreates the endpoint, open connections drop, and the IP allowlist (${cleared} ${cleared === 1 ? 'entry' : 'entries'}) is cleared`,
          destructive: true,
          before: { mechanism: 'nlb', allowlist: current.allowlist },
          after: { mechanism: 'privateconnect', allowedAccounts: accounts },
          path: [...path, 'exposure'],
        },
      }];
    }
    const accountsChange = describeSetChange(current.allowedAccounts, accounts);
    if (accountsChange === undefined) return [];
    return [{
      operation,
      change: {
        address: `skysql.allowed-accounts.${address}`,
        resource: 'allowed-accounts',
        action: 'update',
        reason: `allowed accounts of ${service.name}: ${accountsChange}`,
        destructive: false,
        before: current.allowedAccounts,
        after: accounts,
        path: [...path, 'allowedAccounts'],
      },
    }];
  }

  const allowPath: DocPath = [...path, 'allow'];
  const allowlist = desiredAllowlist(endpoint.allow ?? [], allowPath, service.name, service.cloud);
  const steps: Step[] = [];
  let before: AllowlistEntry[] = current.allowlist;
  if (current.mechanism === 'privateconnect') {
    steps.push({
      operation: { kind: 'endpoint', service, endpoint: { mechanism: 'nlb', visibility: 'public' } },
      change: {
        address: `skysql.endpoint.${address}`,
        resource: 'endpoint',
        action: 'replace',
        reason: `switches ${service.name} from private connect to public (nlb): SkySQL recreates the endpoint, open connections drop, the allowed accounts (${current.allowedAccounts.join(', ') || 'none'}) lose access, and the new endpoint starts with an empty allowlist`,
        destructive: true,
        before: { mechanism: 'privateconnect', allowedAccounts: current.allowedAccounts },
        after: { mechanism: 'nlb' },
        path: [...path, 'exposure'],
      },
    });
    // SkySQL cleared the allowlist when private connect was enabled and does not restore it.
    before = [];
  }
  const allowlistChange = describeAllowlistChange(before, allowlist);
  if (allowlistChange !== undefined) {
    steps.push({
      operation: { kind: 'allowlist', service, items: toAllowListItems(allowlist) },
      change: {
        address: `skysql.allowlist.${address}`,
        resource: 'allowlist',
        action: 'update',
        reason: `allowlist of ${service.name}: ${allowlistChange}`,
        destructive: false,
        before,
        after: allowlist,
        path: endpoint.allow ? allowPath : path,
      },
    });
  }
  return steps;
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
