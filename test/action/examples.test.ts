import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pr = parse(read('examples/workflows/dbfence-pr.yml'));
const apply = parse(read('examples/workflows/dbfence-apply.yml'));

describe('the example workflows', () => {
  it('grant only what each job needs', () => {
    expect(pr.permissions).toEqual({});
    expect(pr.jobs.plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', 'security-events': 'write' });
    expect(apply.permissions).toEqual({});
    expect(apply.jobs.apply.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('plan on pull_request (never pull_request_target) and apply on push to main, one at a time, behind an environment', () => {
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
    expect(pr.on.pull_request.paths).toContain('endpoints.yaml');
    expect(apply.on.push.branches).toEqual(['main']);
    expect(apply.concurrency).toEqual({ group: 'dbfence-apply', 'cancel-in-progress': false });
    expect(apply.jobs.apply.environment).toBe('production');
    const step = apply.jobs.apply.steps.find((s: { uses?: string }) => s.uses?.startsWith('dbfence/dbfence'));
    expect(step.with.command).toBe('apply');
  });

  it('upload the SARIF file even when dbfence failed, but not from forks', () => {
    const upload = pr.jobs.plan.steps.find((s: { uses?: string }) => s.uses?.startsWith('github/codeql-action/upload-sarif'));
    expect(upload.if).toContain('!cancelled()');
    expect(upload.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    expect(upload.with.sarif_file).toBe('${{ steps.dbfence.outputs.sarif-file }}');
  });

  it('are the ones the README shows', () => {
    const blocks = [...read('README.md').matchAll(/```yaml\n# \.github\/workflows\/([\w-]+\.yml)\n([\s\S]*?)```/g)];
    expect(blocks.map((block) => block[1])).toEqual(['dbfence-pr.yml', 'dbfence-apply.yml']);
    for (const [, name, text] of blocks) expect(parse(text!)).toEqual(parse(read(`examples/workflows/${name}`)));
  });
});

describe('action.yml', () => {
  it('runs the bundle on the newest Node runtime runners offer', () => {
    const action = parse(read('action.yml'));
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(action.branding).toEqual({ icon: 'shield', color: 'blue' });
    expect(Object.keys(action.outputs)).toEqual(['errors', 'warnings', 'changes', 'drift', 'comment-url', 'sarif-file', 'verify-result', 'verify-failed']);
    for (const spec of Object.values<{ description?: string }>({ ...action.inputs, ...action.outputs })) expect(spec.description).toBeTruthy();
  });
});
