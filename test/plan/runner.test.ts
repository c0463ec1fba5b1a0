import { describe, expect, it } from 'vitest';
import { ToolError } from '../../src/errors.js';
import { runSteps, type Step, StepFailed, type StepGroup } from '../../src/plan/runner.js';
import type { Change, ChangeOutcome } from '../../src/plan/types.js';

const change = (address: string): Change => ({
  address, resource: 'role', action: 'create', reason: 'declared', destructive: false, operation: { kind: 'test' },
});

function recorder() {
  const events: string[] = [];
  return {
    events,
    progress: {
      onOutcome: (outcome: ChangeOutcome) => events.push(`${outcome.status} ${outcome.change.address}${outcome.error ? `: ${outcome.error}` : ''}`),
      onPending: (n: number) => events.push(`pending ${n}`),
    },
  };
}

describe('the step runner', () => {
  it('rolls back what shared a failed transaction, blames the change that failed, and skips what follows', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(change) as [Change, Change, Change, Change];
    const { events, progress } = recorder();
    const steps: Step[] = [
      { changes: [a], run: async () => {} },
      {
        changes: [b, c], transaction: true,
        async run(step) {
          step.carried([b]);
          throw new StepFailed('permission denied for table orders', [c]);
        },
      },
      {
        changes: [d], skippedNote: 'd is still owed',
        async run() {
          events.push('d ran');
        },
      },
    ];
    const result = await runSteps([a, b, c, d], steps, progress);
    expect(result.ok).toBe(false);
    expect(result.outcomes.map((o) => [o.change.address, o.status, o.error])).toEqual([
      ['a', 'applied', undefined],
      ['b', 'rolled-back', 'rolled back: permission denied for table orders'],
      ['c', 'failed', 'permission denied for table orders'],
      ['d', 'skipped', 'not attempted: an earlier step failed; d is still owed'],
    ]);
    // Each outcome once, as soon as it is final; nothing is left pending.
    expect(events).toEqual([
      'applied a', 'pending 1', 'pending 0',
      'rolled-back b: rolled back: permission denied for table orders', 'failed c: permission denied for table orders',
      'skipped d: not attempted: an earlier step failed; d is still owed',
    ]);
  });

  it('applies a change that spans steps once every one succeeded, and calls it partly applied when a later one fails', async () => {
    const [drop, grant] = ['drop', 'grant'].map(change) as [Change, Change];
    const spanning = (fail: boolean): Step[] => [
      { changes: [drop, grant], transaction: true, run: async () => {} },
      {
        changes: [drop], transaction: true,
        run: async () => {
          if (fail) throw new ToolError('database reports is gone');
        },
      },
    ];
    const { events, progress } = recorder();
    expect((await runSteps([drop, grant], spanning(false), progress)).ok).toBe(true);
    expect(events.filter((e) => !e.startsWith('pending'))).toEqual(['applied grant', 'applied drop']);

    const failed = await runSteps([drop, grant], spanning(true));
    expect(failed.outcomes.map((o) => [o.change.address, o.status, o.error])).toEqual([
      ['drop', 'failed', 'partly applied: database reports is gone'],
      ['grant', 'applied', undefined],
    ]);
  });

  it('opens a step group only when its turn comes, and fails its changes with one line when it cannot run them', async () => {
    const [edge, role, grant, later] = ['edge', 'role', 'grant', 'later'].map(change) as [Change, Change, Change, Change];
    const events: string[] = [];
    const group = (open: StepGroup['open']): StepGroup => ({ changes: [role, grant], open });
    const steps = (g: StepGroup): (Step | StepGroup)[] => [
      { changes: [edge], run: async () => { events.push('edge'); } },
      g,
      { changes: [later], run: async () => { events.push('later'); } },
    ];
    const locked = group(async (run) => {
      events.push('lock');
      await run([{ changes: [role, grant], transaction: true, run: async () => { events.push('transaction'); } }]);
      events.push('unlock');
    });
    expect((await runSteps([edge, role, grant, later], steps(locked))).ok).toBe(true);
    expect(events).toEqual(['edge', 'lock', 'transaction', 'unlock', 'later']);

    const moved = group(async () => {
      throw new ToolError('the accounts of orders changed since the plan was made (postgres.role.x is new): plan again and review it');
    });
    const refused = await runSteps([edge, role, grant, later], steps(moved));
    expect(refused.outcomes.map((o) => [o.change.address, o.status])).toEqual([
      ['edge', 'applied'], ['role', 'failed'], ['grant', 'failed'], ['later', 'skipped'],
    ]);
    expect(refused.outcomes[1]!.error).toMatch(/^the accounts of orders changed since the plan was made/);
  });

  it('lets an error that is neither a ToolError nor a StepFailed through: it is a bug, not an outcome', async () => {
    const a = change('a');
    const broken: Step = {
      changes: [a],
      async run() {
        throw new TypeError('undefined is not a function');
      },
    };
    await expect(runSteps([a], [broken])).rejects.toThrow(TypeError);
  });
});
