import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ToolError } from '../../src/errors.js';
import { fakeProvider, type FakeLive } from './fake-provider.js';

let live: FakeLive;
let provider: ReturnType<typeof fakeProvider>;
vi.mock('../../src/providers/index.js', () => ({ createProvider: async () => provider }));
const { applyPlan, withPlan } = await import('../../src/plan/run.js');

const BASE = `version: 1
provider:
  kind: postgres
  adminUrl: { fromEnv: PG_URL }
databases:
  - name: orders
    engine: postgresql
    endpoints:
`;
const endpoint = (name: string, cidrs: string[]) =>
  `      - name: ${name}\n        exposure: public\n        allow:\n${cidrs.map((c) => `          - cidr: ${c}\n`).join('')}`;

function write(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbfence-plan-'));
  const file = join(dir, 'endpoints.yaml');
  writeFileSync(file, text);
  return file;
}

describe('the plan pipeline', () => {
  beforeEach(() => {
    live = new Map([['orders/public', ['52.20.10.10/32']]]);
    provider = fakeProvider(live);
  });

  it('shows the changes the file asks for, placed where the file declares them', async () => {
    const file = write(BASE + endpoint('public', ['52.20.10.10/32', '34.90.0.0/28']));
    await withPlan({ file, allowDestructive: false }, async (run) => {
      expect(run.blocked).toBeUndefined();
      expect(run.plan?.changes.map((c) => [c.address, c.action])).toEqual([['fake.allowlist.orders/public', 'update']]);
      expect(run.plan?.driftChecked).toBe(false);
    });
  });

  it('stops before reading the live state when the file has lint errors', async () => {
    const file = write(BASE + endpoint('public', ['0.0.0.0/0']));
    await withPlan({ file, allowDestructive: false }, async (run) => {
      expect(run.plan).toBeUndefined();
      expect(run.blocked).toMatch(/lint errors/);
      expect(run.file.findings.some((f) => f.ruleId === 'no-world-open')).toBe(true);
    });
  });

  it('blocks a destructive change unless acknowledged, and reports it as destructive-change', async () => {
    live.set('orders/old', ['52.20.10.11/32']);
    const file = write(BASE + endpoint('public', ['52.20.10.10/32']));
    await withPlan({ file, allowDestructive: false }, async (run) => {
      expect(run.blocked).toMatch(/1 destructive or disruptive change not acknowledged/);
      expect(run.findings).toMatchObject([{ ruleId: 'destructive-change', severity: 'error' }]);
    });
    await withPlan({ file, allowDestructive: true }, async (run, p) => {
      expect(run.blocked).toBeUndefined();
      expect(run.findings).toMatchObject([{ ruleId: 'destructive-change', severity: 'warning' }]);
      const result = await applyPlan(run, p, true);
      expect(result.ok).toBe(true);
    });
    expect([...live.keys()]).toEqual(['orders/public']);
  });

  it('computes drift against the baseline, apart from the changes of the new file', async () => {
    live.set('orders/public', ['52.20.10.10/32', '8.8.8.8/32']);
    const baseline = write(BASE + endpoint('public', ['52.20.10.10/32']));
    const file = write(BASE + endpoint('public', ['52.20.10.10/32']) + endpoint('reporting', ['52.20.10.12/32']));
    await withPlan({ file, baseline, allowDestructive: false }, async (run) => {
      expect(run.plan?.driftChecked).toBe(true);
      expect(run.plan?.drift.map((c) => c.address)).toEqual(['fake.allowlist.orders/public']);
      expect(run.plan?.changes.map((c) => c.address)).toEqual(['fake.allowlist.orders/public', 'fake.endpoint.orders/reporting']);
      const drift = run.findings.filter((f) => f.ruleId === 'drift');
      expect(drift).toHaveLength(1);
      expect(drift[0]).toMatchObject({ severity: 'warning', line: 11 });
    });
  });

  it('honours the file\'s waivers for drift', async () => {
    live.set('orders/public', ['52.20.10.10/32', '8.8.8.8/32']);
    const baseline = write(BASE + endpoint('public', ['52.20.10.10/32']));
    const file = write(BASE + '      # dbfence-ignore drift reason="vendor IP added by support, OPS-7"\n' + endpoint('public', ['52.20.10.10/32']));
    await withPlan({ file, baseline, allowDestructive: false }, async (run) => {
      expect(run.plan?.drift).toHaveLength(1);
      expect(run.findings.filter((f) => f.ruleId === 'drift')).toEqual([]);
      expect(run.file.findings).toEqual([]);
    });
  });

  describe('a provider\'s notice of wide-account-access (the mariadb engine\'s)', () => {
    const notice = { ruleId: 'wide-account-access', message: 'PUBLIC holds SELECT on docs.*', address: 'mariadb.public.docs.*', path: ['provider', 'adminUrl'] };
    const waived = BASE.replace('  adminUrl:', '  # dbfence-ignore wide-account-access reason="docs are public, SEC-12"\n  adminUrl:');

    beforeEach(() => {
      provider.notices = () => [notice];
    });

    it('is a warning at the admin URL', async () => {
      await withPlan({ file: write(BASE + endpoint('public', ['52.20.10.10/32'])), allowDestructive: false }, async (run) => {
        expect(run.findings).toMatchObject([{ ruleId: 'wide-account-access', severity: 'warning', message: 'PUBLIC holds SELECT on docs.*', path: 'provider.adminUrl', line: 4 }]);
      });
    });

    it('is waived by a waiver above the admin URL, which lint knows as a plan rule and does not call unused', async () => {
      await withPlan({ file: write(waived + endpoint('public', ['52.20.10.10/32'])), allowDestructive: false }, async (run) => {
        expect(run.file.findings).toEqual([]);
        expect(run.findings).toEqual([]);
      });
    });

    it('takes its severity from a policy pack', async () => {
      const policiesDir = mkdtempSync(join(tmpdir(), 'dbfence-policies-'));
      writeFileSync(join(policiesDir, 'pack.yaml'), 'kind: pack\nrules:\n  wide-account-access: error\n');
      await withPlan({ file: write(BASE + endpoint('public', ['52.20.10.10/32'])), allowDestructive: false, policiesDir }, async (run) => {
        expect(run.findings).toMatchObject([{ ruleId: 'wide-account-access', severity: 'error' }]);
      });
      writeFileSync(join(policiesDir, 'pack.yaml'), 'kind: pack\nrules:\n  wide-account-access: off\n');
      await withPlan({ file: write(BASE + endpoint('public', ['52.20.10.10/32'])), allowDestructive: false, policiesDir }, async (run) => {
        expect(run.findings).toEqual([]);
      });
    });
  });

  it('refuses a waiver of destructive-change: acknowledging is for --allow-destructive', async () => {
    const file = write(BASE + '      # dbfence-ignore destructive-change reason="we mean it"\n' + endpoint('public', ['52.20.10.10/32']));
    await withPlan({ file, allowDestructive: false }, async (run) => {
      expect(run.blocked).toMatch(/lint errors/);
      expect(run.file.findings).toMatchObject([{ ruleId: 'waiver', message: expect.stringMatching(/destructive-change cannot be waived: acknowledge destructive changes with --allow-destructive/) }]);
    });
  });

  it('still plans the new file, with drift marked not computed, when the provider cannot compare the baseline', async () => {
    const baseline = write(BASE + endpoint('public', ['52.20.10.10/32']));
    const file = write(BASE + endpoint('public', ['52.20.10.10/32', '34.90.0.0/28']));
    const diff = provider.diff;
    provider.diff = (config, state) => {
      if (config.databases[0]!.endpoints![0]!.allow!.length === 1) throw new ToolError('service orders no longer exists');
      return diff(config, state);
    };
    await withPlan({ file, baseline, allowDestructive: false }, async (run) => {
      expect(run.plan?.changes).toHaveLength(1);
      expect(run.plan?.driftChecked).toBe(false);
      expect(run.driftSkipped).toBe('the live state cannot be compared with the baseline: service orders no longer exists');
    });
  });

  it('skips drift, and says why, when the baseline does not pass the schema', async () => {
    const baseline = write('version: 2\n');
    const file = write(BASE + endpoint('public', ['52.20.10.10/32']));
    await withPlan({ file, baseline, allowDestructive: false }, async (run) => {
      expect(run.plan?.driftChecked).toBe(false);
      expect(run.driftSkipped).toMatch(/does not pass the schema/);
    });
  });

  describe('apply', () => {
    const FILE = BASE + ['a', 'b', 'c'].map((name) => endpoint(name, ['52.20.10.10/32'])).join('');

    async function applyWith(failing?: string): Promise<{ events: string[]; ok: boolean }> {
      provider = fakeProvider(new Map(), failing === undefined ? {} : { failing });
      let ok = false;
      await withPlan({ file: write(FILE), allowDestructive: false }, async (run, p) => {
        const result = await applyPlan(run, p, false, { onOutcome: (outcome) => provider.events.push(`${outcome.status} ${outcome.change.address}`) });
        provider.events.push('apply returned');
        ok = result.ok;
      });
      return { events: provider.events, ok };
    }

    it('runs the steps in order and passes each outcome on as soon as it is final, before apply returns', async () => {
      expect(await applyWith()).toEqual({
        ok: true,
        events: [
          'step fake.endpoint.orders/a', 'applied fake.endpoint.orders/a',
          'step fake.endpoint.orders/b', 'applied fake.endpoint.orders/b',
          'step fake.endpoint.orders/c', 'applied fake.endpoint.orders/c',
          'apply returned',
        ],
      });
    });

    it('stops at the first failed step: what follows is skipped, not attempted', async () => {
      expect(await applyWith('fake.endpoint.orders/b')).toEqual({
        ok: false,
        events: [
          'step fake.endpoint.orders/a', 'applied fake.endpoint.orders/a',
          'step fake.endpoint.orders/b', 'failed fake.endpoint.orders/b', 'skipped fake.endpoint.orders/c',
          'apply returned',
        ],
      });
    });

    it('refuses, before any change, a plan the live state no longer matches, naming what differs', async () => {
      const file = write(BASE + endpoint('public', ['52.20.10.10/32', '34.90.0.0/28']));
      await withPlan({ file, allowDestructive: false }, async (run, p) => {
        // Changed by hand between the plan and the apply.
        live.set('orders/public', ['198.51.100.7/32']);
        live.set('orders/stray', []);
        const refused = await applyPlan(run, p, false).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(ToolError);
        expect((refused as Error).message).toBe('apply refused: the live state changed since the plan was made (fake.allowlist.orders/public is planned differently now; fake.endpoint.orders/stray is new); nothing was applied: plan again and review it');
      });
      expect(provider.events).toEqual([]);
      expect(live.get('orders/public')).toEqual(['198.51.100.7/32']);
    });
  });
});
