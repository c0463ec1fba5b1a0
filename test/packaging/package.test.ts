import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
const run = promisify(execFile);

/** What users get from npm: the package as `npm pack` makes it (without prepare: the bundles are built by `npm run bundle`). */
describe('the published package', () => {
  const work = mkdtempSync(join(tmpdir(), 'dbfence-package-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let files: string[];
  let tarball: string;
  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/cli/index.cjs'))) throw new Error('dist/cli/index.cjs is missing: run `npm run bundle` first');
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    files = packed!.files.map((file) => file.path);
    tarball = join(work, packed!.filename);
  }, 300_000);

  it('declares no dependencies: both bundles hold every package they use', () => {
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies']) expect(manifest[field], field).toBeUndefined();
    expect(manifest.engines).toEqual({ node: '>=22' });
    // npm runs these when the package is installed; `prepare` it runs only in a clone, not for a tarball.
    const scripts = manifest.scripts as Record<string, string>;
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(scripts[hook], hook).toBeUndefined();
  });

  it('ships the MIT license, and the notices of what the CLI bundle contains beside it', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'bin/dbfence.js', 'dist/cli/index.cjs', 'dist/cli/licenses.txt', 'schemas/endpoints.v1.json']));
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    const notices = readFileSync(join(ROOT, 'dist/cli/licenses.txt'), 'utf8');
    for (const bundled of ['yaml', 'ajv', 'ipaddr.js', 'node-forge', 'pg']) expect(notices).toMatch(new RegExp(`(^|\\n\\n)${bundled.replace('.', '\\.')}\\n`));
    // The Action's bundle is used from the repository, not the package; its notices are beside it there.
    expect(files).not.toContain('dist/index.js');
    expect(readFileSync(join(ROOT, 'dist/licenses.txt'), 'utf8')).toMatch(/^@actions\/core\n/);
  });

  it('installs alone, offline, with no lifecycle script of its own, and lints the example with npx', async () => {
    const project = join(work, 'project');
    rmSync(project, { recursive: true, force: true });
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{ "private": true }\n');
    copyFileSync(join(ROOT, 'examples/endpoints.yaml'), join(project, 'endpoints.yaml'));
    await run('npm', ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project });
    expect(readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['dbfence']);
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') };
    delete env.FORCE_COLOR;
    const lint = await run('npx', ['--no-install', 'dbfence', 'lint', 'endpoints.yaml'], { cwd: project, env });
    expect(lint.stdout).toContain('no problems');
    await run('npx', ['--no-install', 'dbfence', 'ca', 'init', '--out', 'ca'], { cwd: project, env });
    const secrets = {
      DBFENCE_CA_CERT: readFileSync(join(project, 'ca/ca.crt'), 'utf8'),
      DBFENCE_CA_KEY: readFileSync(join(project, 'ca/ca.key'), 'utf8'),
      DBFENCE_PG_ADMIN_URL: 'postgres://postgres:x@127.0.0.1:1/postgres',
      METABASE_DB_PASSWORD: 'not-used-here',
      FIVETRAN_DB_PASSWORD: 'not-used-here',
    };
    const plan = await run('npx', ['--no-install', 'dbfence', 'plan', 'endpoints.yaml'], { cwd: project, env: { ...env, ...secrets } })
      .then(() => ({ code: 0, stderr: '' }), (error: { code: number; stderr: string }) => error);
    // The CA (node-forge) and the provider (pg) load from the bundle: the plan gets as far as connecting to nothing.
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(/^dbfence: .*127\.0\.0\.1:1/);
  }, 300_000);
});

describe("the Action's bundle", () => {
  it('runs alone, with no node_modules and no lib/ beside it', async () => {
    const alone = mkdtempSync(join(tmpdir(), 'dbfence-action-'));
    try {
      for (const name of ['index.js', 'package.json']) copyFileSync(join(ROOT, 'dist', name), join(alone, name));
      const outcome = await run(process.execPath, ['index.js'], { cwd: alone, env: { PATH: process.env.PATH } })
        .then(({ stdout }) => ({ code: 0, stdout }), (error: { code: number; stdout: string }) => error);
      // It got as far as reading the workflow's environment, which this is not.
      expect(outcome).toMatchObject({ code: 1, stdout: expect.stringContaining('::error::dbfence: GITHUB_REPOSITORY is not set') });
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  });
});
