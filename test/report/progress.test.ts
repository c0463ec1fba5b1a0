import { describe, expect, it } from 'vitest';
import { applyProgress } from '../../src/report/progress.js';

describe('apply progress', () => {
  const change = (address: string) => ({ address, resource: 'role', action: 'create' as const, reason: 'declared', destructive: false, operation: { kind: 'create-role' } });

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
