import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../../src/lint/rules/index.js';
import { dbfence, expectOneLineError } from './helpers.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('dbfence rules', () => {
  it('lists every rule with its severity and documentation link', async () => {
    const { code, stdout } = await dbfence(['rules']);
    expect(code).toBe(0);
    for (const rule of BUILTIN_RULES) {
      expect(stdout).toMatch(new RegExp(`^${rule.meta.id} +(error|warning|off) +\\S`, 'm'));
      expect(stdout).toContain(rule.meta.docsUrl!);
    }
  });

  it('lists them as JSON with --json', async () => {
    const { code, stdout } = await dbfence(['rules', '--json']);
    expect(code).toBe(0);
    const rules = JSON.parse(stdout) as { id: string; severity: string; description: string; docsUrl: string }[];
    const ids = rules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['syntax', 'schema', ...BUILTIN_RULES.map((rule) => rule.meta.id)]));
    expect(rules.find((rule) => rule.id === 'no-world-open')).toMatchObject({ severity: 'error', docsUrl: expect.stringMatching(/^https:\/\//) });
  });

  it('is 2, with one line, for an argument it does not take', async () => {
    expectOneLineError(await dbfence(['rules', 'extra']), /Unexpected argument 'extra'.*\(see dbfence rules --help\)/);
  });
});

describe('dbfence schema', () => {
  it('prints the JSON Schema of endpoints.yaml, or of policy files', async () => {
    const endpoints = await dbfence(['schema']);
    expect(endpoints.code).toBe(0);
    expect(JSON.parse(endpoints.stdout).$id).toMatch(/endpoints\.v1\.json$/);
    const policy = await dbfence(['schema', 'policy']);
    expect(JSON.parse(policy.stdout).$id).toMatch(/policy\.v1\.json$/);
  });

  it('is 2, with one line, for a schema it does not have', async () => {
    expectOneLineError(await dbfence(['schema', 'pipeline']), /schema takes endpoints or policy, not "pipeline"/);
  });

  it('has help', async () => {
    const { code, stdout } = await dbfence(['schema', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: dbfence schema/);
  });
});

describe('dbfence', () => {
  it('prints its version', async () => {
    expect(await dbfence(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('prints help naming every command', async () => {
    const { code, stdout } = await dbfence(['--help']);
    expect(code).toBe(0);
    for (const command of ['lint', 'rules', 'schema']) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect((await dbfence([])).stdout).toBe(stdout);
  });

  it('prints a command\'s help for `help COMMAND` as for `COMMAND --help`', async () => {
    const help = await dbfence(['help', 'lint']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: dbfence lint/);
    expect(help.stdout).toContain('--max-warnings N');
    expect((await dbfence(['lint', '--help'])).stdout).toBe(help.stdout);
  });

  it('is 2 for an unknown command, and shows the help on standard error', async () => {
    for (const name of ['lnit', 'constructor']) {
      const { code, stdout, stderr } = await dbfence([name]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(new RegExp(`^dbfence: unknown command "${name}"\\n\\nUsage: dbfence`));
    }
  });
});
