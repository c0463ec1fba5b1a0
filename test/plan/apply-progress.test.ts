import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { applyProgress } from '../../src/report/progress.js';
import { fakeProvider, type FakeLive } from './fake-provider.js';

let provider: ReturnType<typeof fakeProvider>;
vi.mock('../../src/providers/index.js', () => ({ createProvider: async () => provider }));
const { applyPlan, withPlan } = await import('../../src/plan/run.js');

const FILE = `version: 1
provider:
  kind: postgres
  adminUrl: { fromEnv: PG_URL }
databases:
  - name: orders
    engine: postgresql
    endpoints:
${['a', 'b', 'c'].map((name) => `      - name: ${name}\n        exposure: public\n        allow:\n          - cidr: 52.20.10.10/32\n`).join('')}`;

function write(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dbfence-progress-')), 'endpoints.yaml');
  writeFileSync(file, text);
  return file;
}

async function applyWith(reportsLive: number): Promise<{ events: string[] }> {
  provider = fakeProvider(new Map() as FakeLive, { reportsLive });
  await withPlan({ file: write(FILE), allowDestructive: false }, async (run, p) => {
    await applyPlan(run, p, false, { onOutcome: (outcome) => provider.events.push(`${outcome.status} ${outcome.change.address}`) });
  });
  return { events: provider.events };
}

describe('apply progress', () => {
  it('passes each outcome on as the provider records it, before apply returns', async () => {
    const { events } = await applyWith(Infinity);
    expect(events).toEqual([
      'applied fake.endpoint.orders/a', 'applied fake.endpoint.orders/b', 'applied fake.endpoint.orders/c', 'apply returned',
    ]);
  });

  it('shows every outcome exactly once, also those a provider reports only in its result', async () => {
    const { events } = await applyWith(1);
    expect(events).toEqual([
      'applied fake.endpoint.orders/a', 'apply returned', 'applied fake.endpoint.orders/b', 'applied fake.endpoint.orders/c',
    ]);
  });

  const change = (address: string) => ({ address, resource: 'role', action: 'create' as const, reason: 'declared', destructive: false });

  it('writes one plain line per outcome and per message off a terminal (CI logs)', () => {
    let text = '';
    const progress = applyProgress({ write: (chunk: string) => (text += chunk) }, 2, { live: false });
    progress.outcome({ change: change('postgres.role.a'), status: 'applied' });
    progress.log('postgres: waiting for the lock');
    progress.outcome({ change: change('postgres.role.b'), status: 'failed', error: 'permission denied' });
    progress.finish();
    expect(text).toBe('✔ applied     postgres.role.a\npostgres: waiting for the lock\n✖ failed      postgres.role.b: permission denied\n');
  });

  it('keeps one updating line on a terminal, with failures printed above it, and clears it at the end', () => {
    let text = '';
    const progress = applyProgress({ write: (chunk: string) => (text += chunk) }, 3, { live: true });
    progress.pending(2);
    progress.pending(0);
    progress.outcome({ change: change('postgres.role.a'), status: 'applied' });
    progress.outcome({ change: change('postgres.role.b'), status: 'failed', error: 'permission denied' });
    progress.outcome({ change: change('postgres.role.c'), status: 'skipped', error: 'not attempted' });
    progress.finish();
    const screen = text.split('\r\u001b[2K');
    expect(screen.filter((part) => part !== '')).toEqual([
      'applying 0/3', 'applying 0/3, 2 awaiting commit', 'applying 0/3', 'applying 1/3', '✖ failed      postgres.role.b: permission denied\n', 'applying 2/3, 1 not applied', 'applying 3/3, 2 not applied',
    ]);
    expect(text.endsWith('\r\u001b[2K')).toBe(true);
    expect(text).not.toContain('postgres.role.a');
  });
});
