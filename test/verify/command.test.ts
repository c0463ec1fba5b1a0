import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

describe('dbfence verify', () => {
  it('is listed in the help, with its own help', async () => {
    expect((await main(['--help'])).stdout).toContain('verify [FILE]');
    const help = await main(['verify', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--resolve HOST:PORT:ADDRESS');
  });

  it('exits 2 with one line when it cannot run', async () => {
    const missing = await main(['verify', 'test/verify/no-such-file.yaml']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe('dbfence: cannot read test/verify/no-such-file.yaml: no such file\n');
    const resolve = await main(['verify', 'examples/endpoints.yaml', '--resolve', 'orders.db.example.com']);
    expect(resolve).toEqual({ exitCode: 2, stderr: 'dbfence: --resolve takes HOST:PORT:ADDRESS, not "orders.db.example.com"\n' });
    const format = await main(['verify', '--format', 'sarif']);
    expect(format.stderr).toBe('dbfence: --format must be stylish, json or markdown, not "sarif"\n');
  });
});
