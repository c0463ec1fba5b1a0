import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbfence, expectOneLineError, FIXTURES } from './helpers.js';

const FINDINGS = readFileSync(join(FIXTURES, 'findings.yaml'), 'utf8');
const WARNINGS = readFileSync(join(FIXTURES, 'warnings.yaml'), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'dbfence-inputs-'));
/** A repository: its root holds `.git`, the files live below it. */
const repo = join(scratch, 'repo');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
}

beforeAll(() => {
  mkdirSync(join(repo, '.git'), { recursive: true });
  write('envs/prod/endpoints.yaml', FINDINGS);
  write('envs/staging/endpoints.yml', WARNINGS);
  write('envs/staging/notes.yaml', 'not: linted\n');
  write('envs/node_modules/pkg/endpoints.yaml', 'not: linted\n');
  write('envs/.git/endpoints.yaml', 'not: linted\n');
  write('envs/.hidden/endpoints.yaml', WARNINGS);
  write('infra/endpoints.yaml', FINDINGS);
  write('infra/policies/team.yaml', 'kind: pack\nname: team\nrules:\n  integration-owner: off\n');
  mkdirSync(join(repo, 'empty'), { recursive: true });
});

const filesOf = (stdout: string) => [...new Set((JSON.parse(stdout).findings as { file: string }[]).map((finding) => finding.file))];

describe('dbfence lint: folders, globs and standard input', () => {
  it('lints every endpoints.yaml and endpoints.yml below a folder, not in node_modules or .git', async () => {
    const { code, stdout } = await dbfence(['lint', 'envs', '-f', 'json'], { cwd: repo });
    expect(code).toBe(1);
    expect(filesOf(stdout)).toEqual(['envs/.hidden/endpoints.yaml', 'envs/prod/endpoints.yaml', 'envs/staging/endpoints.yml']);
  });

  it('expands a quoted glob itself (`*` skips dot folders, as a shell\'s does), and lints a file named twice once', async () => {
    const { code, stdout } = await dbfence(['lint', 'envs/*/endpoints.yaml', 'envs/prod/endpoints.yaml', '-f', 'json'], { cwd: repo });
    expect(code).toBe(1);
    expect(filesOf(stdout)).toEqual(['envs/prod/endpoints.yaml']);
    expect(JSON.parse(stdout).summary).toEqual({ errors: 2, warnings: 2 });
  });

  it('is 2, with one line, for a folder or a glob that matches nothing', async () => {
    expectOneLineError(await dbfence(['lint', 'empty'], { cwd: repo }), /^dbfence: no endpoints\.yaml or endpoints\.yml under empty\n$/);
    expectOneLineError(await dbfence(['lint', 'envs/*/nothing.yaml'], { cwd: repo }), /^dbfence: no file matches envs\/\*\/nothing\.yaml\n$/);
  });

  it('reads - from standard input, named <stdin> in the working folder by default', async () => {
    const { code, stdout } = await dbfence(['lint', '-', '-f', 'json'], { cwd: repo, input: FINDINGS });
    expect(code).toBe(1);
    expect(filesOf(stdout)).toEqual(['<stdin>']);
  });

  it('names standard input by --stdin-filename, in reports and for the policies beside it', async () => {
    const { code, stdout } = await dbfence(['lint', '-', '--stdin-filename', 'infra/endpoints.yaml', '-f', 'json'], { cwd: repo, input: FINDINGS });
    expect(code).toBe(1);
    const findings = JSON.parse(stdout).findings as { file: string; ruleId: string }[];
    expect(new Set(findings.map((finding) => finding.file))).toEqual(new Set(['infra/endpoints.yaml']));
    expect(findings.map((finding) => finding.ruleId)).not.toContain('integration-owner');
  });

  it('bounds standard input as it bounds files', async () => {
    const { code, stdout } = await dbfence(['lint', '-', '--max-file-size', '100', '-f', 'json'], { cwd: repo, input: FINDINGS });
    expect(code).toBe(1);
    expect(JSON.parse(stdout).findings).toMatchObject([{ ruleId: 'syntax', message: 'the file is over the limit of 100 bytes; is this the right file?' }]);
  });

  it('is 2, with one line, for --stdin-filename without -, and for - twice', async () => {
    expectOneLineError(await dbfence(['lint', 'infra/endpoints.yaml', '--stdin-filename', 'x.yaml'], { cwd: repo }), /--stdin-filename names standard input: add -/);
    expectOneLineError(await dbfence(['lint', '-', '-'], { cwd: repo, input: '' }), /standard input \(-\) can be named only once/);
  });
});

describe('dbfence lint: paths in reports', () => {
  const infra = join(repo, 'infra');

  it('gives SARIF URIs relative to the repository root when run from a folder below it', async () => {
    const { stdout } = await dbfence(['lint', 'endpoints.yaml', '-f', 'sarif'], { cwd: infra });
    const uris = JSON.parse(stdout).runs[0].results.map((result: { locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }[] }) =>
      result.locations[0]!.physicalLocation.artifactLocation);
    expect(uris[0]).toEqual({ uri: 'infra/endpoints.yaml', uriBaseId: '%SRCROOT%' });
  });

  it('gives github annotations relative to the repository root, or to --base-dir', async () => {
    const fromRoot = await dbfence(['lint', 'endpoints.yaml', '-f', 'github'], { cwd: infra });
    expect(fromRoot.stdout.split('\n')[0]).toMatch(/^::error file=infra\/endpoints\.yaml,line=15,/);
    const fromBase = await dbfence(['lint', 'endpoints.yaml', '-f', 'github', '--base-dir', '.'], { cwd: infra });
    expect(fromBase.stdout.split('\n')[0]).toMatch(/^::error file=endpoints\.yaml,line=15,/);
  });

  it('keeps stylish paths as typed', async () => {
    const { stdout } = await dbfence(['lint', 'endpoints.yaml'], { cwd: infra });
    expect(stdout.split('\n')[0]).toBe('endpoints.yaml');
  });
});

describe('dbfence lint: --quiet, junit and gitlab', () => {
  const infra = join(repo, 'infra');

  it('reports errors only with --quiet, while warnings still count for --max-warnings', async () => {
    const quiet = await dbfence(['lint', 'warnings.yaml', '--quiet']);
    expect(quiet).toEqual({ code: 0, stdout: '✔ no problems in 1 file\n', stderr: '' });
    const noisy = await dbfence(['lint', 'findings.yaml', '--quiet', '-f', 'json']);
    expect(JSON.parse(noisy.stdout).summary).toEqual({ errors: 2, warnings: 0 });
    const limited = await dbfence(['lint', 'warnings.yaml', '--quiet', '--max-warnings', '0']);
    expect(limited.code).toBe(1);
    expect(limited.stderr).toBe('dbfence: 1 warning, more than --max-warnings 0\n');
  });

  it('writes JUnit XML and GitLab Code Quality reports with repository paths', async () => {
    const junit = await dbfence(['lint', 'endpoints.yaml', '-f', 'junit'], { cwd: infra });
    expect(junit.code).toBe(1);
    expect(junit.stdout).toMatch(/^<\?xml version="1\.0" encoding="utf-8"\?>\n<testsuites>\n  <testsuite package="dbfence" time="0" tests="3" errors="0" failures="3" name="infra\/endpoints\.yaml">/);
    const gitlab = await dbfence(['lint', 'endpoints.yaml', '-f', 'gitlab'], { cwd: infra });
    expect(gitlab.code).toBe(1);
    expect(JSON.parse(gitlab.stdout)[0]).toMatchObject({ check_name: 'allowlist-breadth', severity: 'major', location: { path: 'infra/endpoints.yaml', lines: { begin: 15 } } });
  });
});
