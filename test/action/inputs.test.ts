import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as core from '@actions/core';
import { DEFAULTS, readInputs } from '../../src/action/inputs.js';
import { scrubSecrets } from '../../src/action/secrets.js';
import { ToolError } from '../../src/errors.js';

vi.mock('@actions/core', { spy: true });

const saved = { ...process.env };
beforeEach(() => {
  for (const name of Object.keys(process.env)) if (name.startsWith('INPUT_')) delete process.env[name];
  vi.mocked(core.setSecret).mockImplementation(() => {});
});
afterEach(() => {
  process.env = { ...saved };
});

describe('the inputs', () => {
  it('apply the action.yml defaults when dist/index.js is started without them', () => {
    expect(readInputs()).toEqual({
      command: 'plan', config: 'endpoints.yaml', policies: undefined, baselineRef: undefined, githubToken: '', comment: true,
      failOn: 'error', sarifFile: 'dbfence.sarif', allowDestructive: false, allowNonDefaultBranch: false, trust: 'base',
      verify: true, verifyResolve: [], verifyConnectTo: [],
    });
  });

  it('read verify-resolve as one HOST:PORT:ADDRESS a line, blank lines ignored', () => {
    process.env.INPUT_VERIFY = 'false';
    process.env['INPUT_VERIFY-RESOLVE'] = 'orders.db.example.com:5432:10.0.0.5\n\n  reports.db.example.com:5432:[::1]  \n';
    process.env['INPUT_VERIFY-CONNECT-TO'] = 'orders.db.example.com:5432:127.0.0.1:15432\n';
    expect(readInputs()).toMatchObject({
      verify: false, verifyResolve: ['orders.db.example.com:5432:10.0.0.5', 'reports.db.example.com:5432:[::1]'], verifyConnectTo: ['orders.db.example.com:5432:127.0.0.1:15432'],
    });
  });

  it('read INPUT_* variables with their hyphens, as the runner sets them', () => {
    process.env['INPUT_FAIL-ON'] = 'warning';
    process.env['INPUT_SARIF-FILE'] = '';
    process.env['INPUT_ALLOW-DESTRUCTIVE'] = 'TRUE';
    process.env['INPUT_BASELINE-REF'] = 'main';
    expect(readInputs()).toMatchObject({ failOn: 'warning', sarifFile: undefined, allowDestructive: true, baselineRef: 'main' });
  });

  it('take trust: head only when asked for, and refuse any other word', () => {
    process.env.INPUT_TRUST = 'head';
    expect(readInputs().trust).toBe('head');
    process.env.INPUT_TRUST = 'pr';
    expect(() => readInputs()).toThrow('the trust input must be base or head, not "pr"');
  });

  it('mask the token the moment it is read', () => {
    process.env['INPUT_GITHUB-TOKEN'] = 'ghs_secretTokenValue123';
    readInputs();
    expect(core.setSecret).toHaveBeenCalledWith('ghs_secretTokenValue123');
    expect(scrubSecrets('Authorization: token ghs_secretTokenValue123')).toBe('Authorization: token ***');
  });

  it('refuse a value the action does not know, naming the input', () => {
    process.env.INPUT_COMMAND = 'destroy';
    expect(() => readInputs()).toThrow(new ToolError('the command input must be lint, plan or apply, not "destroy"'));
    process.env.INPUT_COMMAND = 'lint';
    process.env.INPUT_COMMENT = 'yes';
    expect(() => readInputs()).toThrow(/the comment input must be true or false, not "yes"/);
  });

  it('list every input of action.yml', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as { inputs: Record<string, { default?: string }> };
    const declared = Object.fromEntries(Object.entries(action.inputs).map(([name, spec]) => [name, spec.default ?? '']));
    expect(declared).toEqual({ ...DEFAULTS, 'github-token': '${{ github.token }}' });
  });
});
