import { execFile } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fifoWithWriter } from '../helpers/fifo.js';
import { dbfence, expectOneLineError, FIXTURES } from './helpers.js';

const ANSI = /\u001b\[/;
const scratch = mkdtempSync(join(tmpdir(), 'dbfence-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('dbfence lint: formats', () => {
  it('prints stylish by default, every file with findings under its name', async () => {
    const { code, stdout, stderr } = await dbfence(['lint', 'findings.yaml', 'clean.yaml', 'warnings.yaml']);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(stdout.split('\n').filter((line) => /^\S/.test(line))).toEqual(['findings.yaml', 'warnings.yaml', '✖ 5 problems (2 errors, 3 warnings)']);
    expect(stdout).toContain('    15 |           - cidr: 0.0.0.0/0\n       |                   ^^^^^^^^^\n');
  });

  it('lints endpoints.yaml when no file is named', async () => {
    const dir = mkdtempSync(join(scratch, 'default-'));
    writeFileSync(join(dir, 'endpoints.yaml'), readFileSync(join(import.meta.dirname, '../fixtures/cli-lint/findings.yaml')));
    const { code, stdout } = await dbfence(['lint', '-f', 'json'], { cwd: dir });
    expect(code).toBe(1);
    expect(JSON.parse(stdout).findings[0].file).toBe('endpoints.yaml');
  });

  it('prints the spec\'s JSON', async () => {
    const { code, stdout } = await dbfence(['lint', '--format', 'json', 'findings.yaml']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.summary).toEqual({ errors: 2, warnings: 2 });
    expect(report.findings[1]).toMatchObject({ ruleId: 'no-world-open', severity: 'error', file: 'findings.yaml', path: 'databases[0].endpoints[0].allow[0].cidr', line: 15, column: 19 });
  });

  it('prints JSON with both keys for a clean file', async () => {
    const { code, stdout } = await dbfence(['lint', '-f', 'json', 'clean.yaml']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ findings: [], summary: { errors: 0, warnings: 0 } });
  });

  it('prints SARIF with nothing else on standard output', async () => {
    const { code, stdout } = await dbfence(['lint', '-f', 'sarif', 'findings.yaml']);
    expect(code).toBe(1);
    const log = JSON.parse(stdout);
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].results.map((result: { ruleId: string }) => result.ruleId)).toEqual(['allowlist-breadth', 'no-world-open', 'non-routable-source', 'integration-owner']);
  });

  it('prints GitHub annotations, paths relative to the repository root', async () => {
    const { code, stdout } = await dbfence(['lint', '-f', 'github', 'findings.yaml']);
    expect(code).toBe(1);
    expect(stdout.split('\n')[1]).toBe('::error file=test/fixtures/cli-lint/findings.yaml,line=15,col=19,endLine=15,endColumn=28,title=dbfence no-world-open::"0.0.0.0/0" opens the endpoint to the whole IPv4 internet');
  });

  it('prints a Markdown table', async () => {
    const { code, stdout } = await dbfence(['lint', '-f', 'markdown', 'findings.yaml']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^### dbfence lint: 2 errors, 2 warnings\n\n\| \| Location \| Rule \| Message \|\n/);
  });
});

describe('dbfence lint: exit status', () => {
  it('is 0 for a clean file', async () => {
    expect(await dbfence(['lint', 'clean.yaml'])).toEqual({ code: 0, stdout: '✔ no problems in 1 file\n', stderr: '' });
  });

  it('is 0 for warnings alone, 1 with --fail-on warning', async () => {
    expect((await dbfence(['lint', 'warnings.yaml'])).code).toBe(0);
    expect((await dbfence(['lint', '--fail-on', 'warning', 'warnings.yaml'])).code).toBe(1);
    expect((await dbfence(['lint', '--fail-on', 'error', 'warnings.yaml'])).code).toBe(0);
  });

  it('is 1 when the warnings are more than --max-warnings, and says why', async () => {
    const over = await dbfence(['lint', '--max-warnings', '0', 'warnings.yaml']);
    expect(over.code).toBe(1);
    expect(over.stderr).toBe('dbfence: 1 warning, more than --max-warnings 0\n');
    expect(await dbfence(['lint', '--max-warnings=1', 'warnings.yaml'])).toMatchObject({ code: 0, stderr: '' });
  });

  it('is 2, with one line, when a file is missing', async () => {
    expectOneLineError(await dbfence(['lint', 'missing.yaml']), /cannot read missing\.yaml: no such file/);
  });

  it.skipIf(process.platform === 'win32')('is 2, with one line, for a device or a FIFO, instead of reading forever or waiting', async () => {
    expectOneLineError(await dbfence(['lint', '/dev/zero']), /^dbfence: cannot read \/dev\/zero: not a regular file\n$/);
    const fifo = join(scratch, 'endpoints.fifo');
    const endWriter = fifoWithWriter(fifo);
    try {
      expectOneLineError(await dbfence(['lint', fifo]), /: not a regular file\n$/);
    } finally {
      endWriter();
    }
  });

  it('is 2, with one line, for a flag it does not know', async () => {
    expectOneLineError(await dbfence(['lint', '--colour', 'findings.yaml']), /Unknown option '--colour' \(see dbfence lint --help\)/);
  });

  it('is 2, with one line, for a format it does not know', async () => {
    expectOneLineError(await dbfence(['lint', '-f', 'xml', 'findings.yaml']), /--format must be one of stylish, json, sarif, github, markdown, junit, gitlab, not "xml"/);
  });

  it.each([['abc'], ['1.5'], ['=-1']])('is 2, with one line, for --max-warnings %s', async (value) => {
    const args = value.startsWith('=') ? [`--max-warnings${value}`] : ['--max-warnings', value];
    expectOneLineError(await dbfence(['lint', ...args, 'findings.yaml']), /--max-warnings takes a whole number/);
  });

  it.each([['5MB'], ['5\n'], ['=-1'], ['']])('is 2, with one line, for --max-file-size %j', async (value) => {
    const args = value.startsWith('=') ? [`--max-file-size${value}`] : ['--max-file-size', value];
    expectOneLineError(await dbfence(['lint', ...args, 'findings.yaml']), /--max-file-size takes a whole number, not "/);
  });

  it('is 2, with one line, for a --max-file-size too large to be exact', async () => {
    expectOneLineError(await dbfence(['lint', '--max-file-size', '99999999999999999999', 'findings.yaml']), /--max-file-size takes a whole number up to 9007199254740991, not 99999999999999999999/);
  });

  it('is 2, with one line, for a negative --max-warnings written apart', async () => {
    expectOneLineError(await dbfence(['lint', '--max-warnings', '-1', 'findings.yaml']), /--max-warnings/);
  });

  it('is 2, with one line, for a --fail-on level it does not know', async () => {
    expectOneLineError(await dbfence(['lint', '--fail-on', 'info', 'findings.yaml']), /--fail-on must be error or warning, not "info"/);
  });
});

describe('dbfence lint --output', () => {
  it('writes the report to the file, the summary to standard error, and keeps the exit status', async () => {
    const out = join(scratch, 'reports', 'nested', 'dbfence.sarif');
    const { code, stdout, stderr } = await dbfence(['lint', '-f', 'sarif', '--output', out, 'findings.yaml']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`dbfence: 2 errors, 2 warnings; sarif report written to ${out}\n`);
    expect(JSON.parse(readFileSync(out, 'utf8')).runs[0].results).toHaveLength(4);
  });

  it('writes no colour into the file, even when colour is forced', async () => {
    const out = join(scratch, 'stylish.txt');
    await dbfence(['lint', '-o', out, 'findings.yaml'], { env: { FORCE_COLOR: '1' } });
    expect(readFileSync(out, 'utf8')).not.toMatch(ANSI);
  });

  it('is 2, with one line, when the file cannot be written', async () => {
    const blocker = join(scratch, 'a-file');
    writeFileSync(blocker, '');
    expectOneLineError(await dbfence(['lint', '-o', join(blocker, 'report.json'), 'findings.yaml']), /cannot write .*a-file\/report\.json: a part of the path is a file, not a folder/);
    expectOneLineError(await dbfence(['lint', '-o', scratch, 'findings.yaml']), /cannot write .*: it is a folder/);
  });

  it('refuses to overwrite a file it checks', async () => {
    expectOneLineError(await dbfence(['lint', '-o', './findings.yaml', 'findings.yaml']), /--output \.\/findings\.yaml is findings\.yaml, a file this run reads/);
  });

  it.skipIf(process.platform === 'win32')('refuses a symbolic or hard link to a file it reads, and leaves that file as it was', async () => {
    const dir = mkdtempSync(join(scratch, 'links-'));
    mkdirSync(join(dir, 'policies'));
    const endpoints = join(dir, 'endpoints.yaml');
    const pack = join(dir, 'policies', 'team.yaml');
    const original = readFileSync(join(FIXTURES, 'findings.yaml'), 'utf8');
    writeFileSync(endpoints, original);
    writeFileSync(pack, 'kind: pack\nname: team\nrules: {}\n');
    symlinkSync(endpoints, join(dir, 'report-symlink.json'));
    linkSync(endpoints, join(dir, 'report-hardlink.json'));
    symlinkSync(pack, join(dir, 'pack-symlink.json'));
    for (const [out, target] of [['report-symlink.json', 'endpoints.yaml'], ['report-hardlink.json', 'endpoints.yaml'], ['pack-symlink.json', 'policies/team.yaml']]) {
      expectOneLineError(await dbfence(['lint', '-f', 'json', '-o', out!, 'endpoints.yaml'], { cwd: dir }), new RegExp(`--output ${out} is ${target}, a file this run reads`));
    }
    expect(readFileSync(endpoints, 'utf8')).toBe(original);
    expect(readFileSync(pack, 'utf8')).toBe('kind: pack\nname: team\nrules: {}\n');
  });

  it('replaces the whole of an older, longer report', async () => {
    const out = join(scratch, 'old-report.json');
    writeFileSync(out, 'x'.repeat(100_000));
    await dbfence(['lint', '-f', 'json', '-o', out, 'clean.yaml']);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ findings: [], summary: { errors: 0, warnings: 0 } });
  });
});

describe('dbfence lint: each file with its own policies', () => {
  // a/ has no policies; b/ has a pack that turns no-world-open off and a rule that forbids public endpoints.
  const root = join(scratch, 'per-file-policies');
  const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
  mkdirSync(join(root, 'a'), { recursive: true });
  mkdirSync(join(root, 'b', 'policies'), { recursive: true });
  writeFileSync(join(root, 'a', 'endpoints.yaml'), fixture('findings.yaml'));
  writeFileSync(join(root, 'b', 'endpoints.yaml'), fixture('clean.yaml'));
  writeFileSync(join(root, 'b', 'policies', 'team.yaml'), 'kind: pack\nname: b-team\nrules:\n  no-world-open: off\n');
  writeFileSync(join(root, 'b', 'policies', 'private-only.yaml'), [
    'kind: rule', 'id: private-only', 'severity: error', 'message: endpoints are private here', 'target: endpoint',
    'assert:', '  properties:', '    exposure: { const: private }', '',
  ].join('\n'));
  const rulesByFile = async (files: string[]) => {
    const { stdout, stderr } = await dbfence(['lint', '-f', 'json', ...files], { cwd: root });
    expect(stderr).toBe('');
    const byFile: Record<string, string[]> = {};
    for (const finding of JSON.parse(stdout).findings as { file: string; ruleId: string }[]) (byFile[finding.file] ??= []).push(finding.ruleId);
    return byFile;
  };

  it('applies the policies of b/ to b/ and never to a/, in either order', async () => {
    for (const files of [['a/endpoints.yaml', 'b/endpoints.yaml'], ['b/endpoints.yaml', 'a/endpoints.yaml']]) {
      const byFile = await rulesByFile(files);
      expect(byFile['a/endpoints.yaml'], files.join(' ')).toContain('no-world-open');
      expect(byFile['a/endpoints.yaml'], files.join(' ')).not.toContain('private-only');
      expect(byFile['b/endpoints.yaml'], files.join(' ')).toEqual(['private-only']);
    }
  });

  it('applies --policies to every file', async () => {
    const byFile = await rulesByFile(['--policies', 'b/policies', 'a/endpoints.yaml', 'b/endpoints.yaml']);
    expect(byFile['a/endpoints.yaml']).toContain('private-only');
    expect(byFile['a/endpoints.yaml']).not.toContain('no-world-open');
  });
});

describe('dbfence lint: colour', () => {
  it('has none when standard output is not a terminal', async () => {
    expect((await dbfence(['lint', 'findings.yaml'])).stdout).not.toMatch(ANSI);
  });

  it('has some when FORCE_COLOR is set', async () => {
    expect((await dbfence(['lint', 'findings.yaml'], { env: { FORCE_COLOR: '1' } })).stdout).toMatch(ANSI);
  });

  it('has none with NO_COLOR or --no-color, even when forced', async () => {
    expect((await dbfence(['lint', 'findings.yaml'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).not.toMatch(ANSI);
    expect((await dbfence(['lint', '--no-color', 'findings.yaml'], { env: { FORCE_COLOR: '1' } })).stdout).not.toMatch(ANSI);
  });
});

describe('dbfence lint: secrets', () => {
  it('never prints an inline password', async () => {
    const password = 'hunter2-Tr0ub4dor';
    const file = join(scratch, 'secret.yaml');
    writeFileSync(file, readFileSync(join(import.meta.dirname, '../fixtures/cli-lint/findings.yaml'), 'utf8')
      .replace('password: { fromEnv: METABASE_DB_PASSWORD }', `password: ${password}`));
    for (const format of ['stylish', 'json', 'sarif', 'github', 'markdown']) {
      const { code, stdout, stderr } = await dbfence(['lint', '-f', format, file], { env: { FORCE_COLOR: '1' } });
      expect(code, format).toBe(1);
      expect(stdout, format).toContain('no-inline-secrets');
      expect(stdout + stderr, format).not.toContain(password);
    }
  });

  it('never prints a URL with a password that fails the schema as a hostname', async () => {
    const password = 'S3cret-Pw';
    const file = join(scratch, 'hostname.yaml');
    writeFileSync(file, readFileSync(join(import.meta.dirname, '../fixtures/cli-lint/findings.yaml'), 'utf8')
      .replace(/hostname: \S+/, `hostname: "postgres://admin:${password}@db.example.com/x"`));
    for (const format of ['stylish', 'json', 'sarif', 'github', 'markdown']) {
      const { code, stdout, stderr } = await dbfence(['lint', '-f', format, file]);
      expect(code, format).toBe(1);
      expect(stdout, format).toContain('looks like a URL with a password (not shown)');
      expect(stdout + stderr, format).not.toContain(password);
    }
  });
});

describe('dbfence lint: hostile files', () => {
  const valid = readFileSync(join(import.meta.dirname, '../fixtures/cli-lint/clean.yaml'), 'utf8');
  const deep = join(scratch, 'deep.yaml');
  writeFileSync(deep, `${valid}extra: ${'['.repeat(6000)}${']'.repeat(6000)}\n`);
  const long = join(scratch, 'long.yaml');
  writeFileSync(long, `${valid}extra: ${'a'.repeat(15 * 1024 * 1024)}\n`);
  const manyNodes = join(scratch, 'many-nodes.yaml');
  writeFileSync(manyNodes, `${valid}extra: [${Array(7_000_000).fill('a').join(',')}]\n`);

  it('refuses a 14 MB flow list of tiny items with one finding, in a small heap', async () => {
    const json = await dbfence(['lint', '-f', 'json', manyNodes], { env: { NODE_OPTIONS: '--max-old-space-size=256' } });
    expect(json.stderr).toBe('');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).findings).toMatchObject([{ ruleId: 'syntax', message: 'the file holds more than 1000000 YAML nodes; refusing to read it' }]);
  }, 180_000);

  // Both once killed the default format: a V8 out-of-memory abort, a stack overflow in the secret masker.
  it.each([['a 6,000-deep nested list', deep], ['a 15 MB single-line value', long]])('reports findings on %s, in stylish and JSON', async (_, file) => {
    const stylish = await dbfence(['lint', file]);
    expect(stylish.stderr).toBe('');
    expect(stylish.code).toBe(1);
    expect(stylish.stdout).toMatch(/✖ \d+ problems? \(\d+ errors?/);
    expect(stylish.stdout.length).toBeLessThan(10_000);
    const json = await dbfence(['lint', '-f', 'json', file]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).findings.length).toBeGreaterThan(0);
  }, 180_000);
});

describe('dbfence lint | a reader that stops early', () => {
  // A real pipe, as a shell makes it: Node's own child-process pipes are sockets and behave otherwise.
  it.skipIf(process.platform === 'win32')('ends quietly when the pipe closes', async () => {
    const bin = fileURLToPath(new URL('../../bin/dbfence.js', import.meta.url));
    // Enough SARIF to fill the pipe, so the CLI is still writing when the reader goes.
    const files = Array(30).fill('findings.yaml').join(' ');
    const script = `"$0" "$1" lint -f sarif ${files} | head -c 10 >/dev/null`;
    const { stderr } = await new Promise<{ stderr: string }>((resolve) => {
      execFile('/bin/sh', ['-c', script, process.execPath, bin], { cwd: FIXTURES, encoding: 'utf8' }, (_error, _stdout, stderr) => resolve({ stderr }));
    });
    expect(stderr).toBe('');
  });
});
