import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbfence, expectOneLineError } from './helpers.js';

const PROVIDERS = ['postgres', 'aptible', 'skysql'];
const temp = () => mkdtempSync(join(tmpdir(), 'dbfence-init-'));

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
    expectOneLineError(await dbfence(['init'], { cwd }), /init needs --provider postgres\|aptible\|skysql when it is not run from a terminal/);
    expectOneLineError(await dbfence(['init', '-p', 'mysql'], { cwd }), /--provider must be postgres, aptible or skysql, not "mysql"/);
  });
});
