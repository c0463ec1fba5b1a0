import type { EndpointsConfig } from '../../src/model/config.js';
import type { ApplyResult, Change, ChangeOutcome } from '../../src/plan/types.js';
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

/**
 * A provider over an in-memory live state, for testing the plan pipeline
 * without a database. Apply reports the first `reportsLive` outcomes (all by
 * default) through `onOutcome` as it goes, and the rest only in its result.
 */
export function fakeProvider(live: FakeLive, { reportsLive = Infinity }: { reportsLive?: number } = {}): Provider<FakeLive> & { applied: Change[][]; events: string[] } {
  const events: string[] = [];
  const applied: Change[][] = [];
  const diff = (config: EndpointsConfig, state: FakeLive): Change[] => {
    const desired = desiredOf(config);
    const changes: Change[] = [];
    config.databases.forEach((database, d) => (database.endpoints ?? []).forEach((endpoint, e) => {
      const key = `${database.name}/${endpoint.name}`;
      const current = state.get(key);
      const wanted = desired.get(key)!;
      const path = ['databases', d, 'endpoints', e];
      if (!current) changes.push({ address: `fake.endpoint.${key}`, resource: 'endpoint', action: 'create', reason: 'declared but missing', destructive: false, path });
      else if (current.join() !== wanted.join()) changes.push({ address: `fake.allowlist.${key}`, resource: 'allowlist', action: 'update', reason: `allowlist is ${current.join(', ') || 'empty'}, file says ${wanted.join(', ')}`, destructive: false, path: [...path, 'allow'] });
    }));
    for (const key of state.keys()) {
      if (!desired.has(key)) changes.push({ address: `fake.endpoint.${key}`, resource: 'endpoint', action: 'delete', reason: 'no longer declared', destructive: true });
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
    async apply(config, { allowDestructive, onOutcome }): Promise<ApplyResult> {
      const changes = diff(config, live);
      if (!allowDestructive && changes.some((c) => c.destructive)) throw new Error('destructive');
      applied.push(changes);
      for (const [key, value] of desiredOf(config)) live.set(key, value);
      for (const key of [...live.keys()]) if (!desiredOf(config).has(key)) live.delete(key);
      const outcomes = changes.map((change): ChangeOutcome => ({ change, status: 'applied' }));
      outcomes.slice(0, reportsLive).forEach((outcome) => onOutcome?.(outcome));
      events.push('apply returned');
      return { ok: true, outcomes };
    },
    caCertificate: async () => '',
    close: async () => {},
  };
}
