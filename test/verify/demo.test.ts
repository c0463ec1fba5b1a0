import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';

/** Runs `node scripts/demo.mjs` (the compiled CLI in lib/, as `npm run demo` after its build); `interrupt` sends SIGINT when the text appears. */
function runDemo(interrupt?: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/demo.mjs'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let sent = false;
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      if (interrupt && !sent && output.includes(interrupt)) {
        sent = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

function portOf(output: string): number {
  return Number(/listens on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(true));
  });
}

describe('npm run demo', () => {
  it('applies the example, proves it, shows a hand-made grant as drift and as a failed proof, and stops its server', async () => {
    const { code, output } = await runDemo();
    expect(code, output).toBe(0);
    expect(output).toContain('Apply complete.');
    expect(output).toContain('✔ all 16 proofs for 2 integrations hold');
    expect(output).toMatch(/changed outside the file: INSERT on table public\.orders is granted but not declared/);
    expect(output).toMatch(/✖ read-only +public\.orders: holds INSERT/);
    expect(output).toContain('✖ 1 of 16 proofs for 2 integrations failed');
    expect(await refused(portOf(output))).toBe(true);
    expect(existsSync(/ca init --out (\S+)\/ca/.exec(output)![1]!)).toBe(false);
  }, 180_000);

  it('stops its server on Ctrl-C', async () => {
    const { code, output } = await runDemo('== Plan');
    expect(code, output).toBe(130);
    expect(await refused(portOf(output))).toBe(true);
  }, 180_000);
});
