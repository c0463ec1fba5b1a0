import type { EndpointsConfig } from '../../src/model/config.js';
import { ToolError } from '../../src/errors.js';
import type { Step } from '../../src/plan/runner.js';
import type { Change } from '../../src/plan/types.js';
import type { Provider } from '../../src/providers/types.js';

/** Live state of the fake: the set of allow entries per endpoint, as a real provider would read it. */
export type FakeLive = Map<string, string[]>;

function desiredOf(config: EndpointsConfig): FakeLive {
  const state: FakeLive = new Map();
  for (const database of config.databases) {
    for (const endpoint of database.endpoints ?? []) state.set(`${database.name}/${endpoint.name}`, (endpoint.allow ?? []).map((e) => e.cidr));
  }
  return state;
}

/** What the fake's apply does for one change. */
type FakeOperation = { kind: 'set-allowlist'; key: string; cidrs: string[] } | { kind: 'remove-endpoint'; key: string };

/**
 * A provider over an in-memory live state, for testing the plan pipeline
 * without a database: one step per change; `applied` holds the changes of
 * each apply that got to its steps, `events` each step as it runs, and the
 * step of `failing` (an address) fails. `meanwhile` runs as an apply starts,
 * before it reads the live state again: a change made by hand after the plan.
 */
export function fakeProvider(
  live: FakeLive, { failing, meanwhile }: { failing?: string; meanwhile?: () => void } = {},
): Provider<FakeLive> & { applied: Change[][]; events: string[] } {
  const events: string[] = [];
  const applied: Change[][] = [];
  const diff = (config: EndpointsConfig, state: FakeLive): Change<FakeOperation>[] => {
    const desired = desiredOf(config);
    const changes: Change<FakeOperation>[] = [];
    config.databases.forEach((database, d) => (database.endpoints ?? []).forEach((endpoint, e) => {
      const key = `${database.name}/${endpoint.name}`;
      const current = state.get(key);
      const wanted = desired.get(key)!;
      const path = ['databases', d, 'endpoints', e];
      const operation: FakeOperation = { kind: 'set-allowlist', key, cidrs: wanted };
      if (!current) changes.push({ address: `fake.endpoint.${key}`, resource: 'endpoint', action: 'create', reason: 'declared but missing', destructive: false, path, operation });
      else if (current.join() !== wanted.join()) changes.push({ address: `fake.allowlist.${key}`, resource: 'allowlist', action: 'update', reason: `allowlist is ${current.join(', ') || 'empty'}, file says ${wanted.join(', ')}`, destructive: false, before: current, path: [...path, 'allow'], operation });
    }));
    for (const key of state.keys()) {
      if (!desired.has(key)) changes.push({ address: `fake.endpoint.${key}`, resource: 'endpoint', action: 'delete', reason: 'no longer declared', destructive: true, operation: { kind: 'remove-endpoint', key } });
    }
    return changes;
  };
  return {
    kind: 'postgres',
    applied,
    events,
    inspect: async () => live,
    diff,
    notices: () => [],
    exclusive(apply) {
      meanwhile?.();
      return apply();
    },
    steps(_desired, _live, changes) {
      applied.push([...changes]);
      return (changes as Change<FakeOperation>[]).map((change): Step => ({
        changes: [change],
        async run() {
          events.push(`step ${change.address}`);
          if (change.address === failing) throw new ToolError(`${change.address} failed`);
          const { operation } = change;
          if (operation.kind === 'set-allowlist') live.set(operation.key, operation.cidrs);
          else live.delete(operation.key);
        },
      }));
    },
    caCertificate: async () => '',
    close: async () => {},
  };
}
