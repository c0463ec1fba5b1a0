import { chmodSync, copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dbfence, expectOneLineError } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/lint-fix/endpoints.yaml', import.meta.url));

describe('dbfence lint --fix', () => {
  it('rewrites the mechanical findings, keeps every comment, and a second run changes nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dbfence-fix-'));
    copyFileSync(FIXTURE, join(cwd, 'endpoints.yaml'));
    const before = await dbfence(['lint', '-f', 'json'], { cwd });
    expect(before.code).toBe(1);

    const fixed = await dbfence(['lint', '--fix', '-f', 'json'], { cwd });
    expect(fixed.stderr).toBe('dbfence: --fix rewrote 5 values in endpoints.yaml\n');
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ findings: [], summary: { errors: 0, warnings: 0 } });
    const text = readFileSync(join(cwd, 'endpoints.yaml'), 'utf8');
    const comments = (yaml: string) => yaml.split('\n').map((line) => line.slice(line.indexOf('#')));
    expect(comments(text)).toEqual(comments(readFileSync(FIXTURE, 'utf8')));
    expect(text).toContain('- cidr: 52.20.10.10/32          # the office, one address');

    const again = await dbfence(['lint', '--fix'], { cwd });
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(cwd, 'endpoints.yaml'), 'utf8')).toBe(text);
  });

  it.skipIf(process.getuid?.() === 0)('stops with one line when it cannot write the file, and leaves it as it was', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dbfence-fix-'));
    const file = join(cwd, 'endpoints.yaml');
    copyFileSync(FIXTURE, file);
    chmodSync(file, 0o444);
    expectOneLineError(await dbfence(['lint', '--fix'], { cwd }), /^dbfence: --fix cannot write endpoints\.yaml: permission denied\n$/);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(FIXTURE, 'utf8'));
  });
});
