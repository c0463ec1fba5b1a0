import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dbfence, expectOneLineError } from './helpers.js';

const PROVIDERS = ['postgres', 'aptible', 'skysql', 'mariadb'];
const temp = () => mkdtempSync(join(tmpdir(), 'dbfence-init-'));
/** util-linux `script` runs a command on a pseudo-terminal, as a person at a terminal would. */
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((path) => existsSync(path));

describe('dbfence init', () => {
  for (const provider of PROVIDERS) {
    it(`writes a ${provider} starter that carries the schema modeline and lints clean, warnings included`, async () => {
      const cwd = temp();
      const init = await dbfence(['init', '--provider', provider], { cwd });
      expect(init.code).toBe(0);
      expect(init.stdout).toContain('Wrote endpoints.yaml');
      const text = readFileSync(join(cwd, 'endpoints.yaml'), 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=https://github.com/dbfence/dbfence/raw/main/schemas/endpoints.v1.json');
      expect(text).toContain(`kind: ${provider}`);
      const lint = await dbfence(['lint', '--fail-on', 'warning', '-f', 'json'], { cwd });
      expect(lint.code).toBe(0);
      expect(JSON.parse(lint.stdout)).toMatchObject({ findings: [], summary: { errors: 0, warnings: 0 } });
    });
  }

  it('writes to the FILE given, and never overwrites one', async () => {
    const cwd = temp();
    expectOneLineError(await dbfence(['init', 'missing/prod.yaml', '-p', 'skysql'], { cwd }), /cannot write missing\/prod\.yaml: no such folder/);
    expect((await dbfence(['init', 'prod.yaml', '-p', 'skysql'], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, 'endpoints.yaml'), 'mine\n');
    expectOneLineError(await dbfence(['init', '-p', 'postgres'], { cwd }), /endpoints\.yaml exists already: init never overwrites a file/);
    expect(readFileSync(join(cwd, 'endpoints.yaml'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(cwd, 'prod.yaml'), 'utf8')).toContain('kind: skysql');
  });

  it('never asks off a terminal: without --provider it says what to pass', async () => {
    const cwd = temp();
    expectOneLineError(await dbfence(['init'], { cwd }), /init needs --provider postgres\|aptible\|skysql\|mariadb when it is not run from a terminal/);
    expectOneLineError(await dbfence(['init', '-p', 'mysql'], { cwd }), /--provider must be postgres, aptible, skysql or mariadb, not "mysql"/);
  });

  it.skipIf(!SCRIPT)('asks which provider on a terminal', async () => {
    const cwd = temp();
    const bin = fileURLToPath(new URL('../../bin/dbfence.js', import.meta.url));
    const child = spawn(SCRIPT!, ['-qec', `"${process.execPath}" "${bin}" init`, '/dev/null'], { cwd });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const asked = !screen.includes('Which provider') && (screen + chunk).includes('Which provider: postgres, aptible, skysql or mariadb?');
      screen += chunk;
      if (asked) child.stdin.end('aptible\r');
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(screen).toContain('Wrote endpoints.yaml, a starter for aptible.');
    expect(readFileSync(join(cwd, 'endpoints.yaml'), 'utf8')).toContain('kind: aptible');
  });
});
