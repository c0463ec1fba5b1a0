import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dbfence } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'dbfence-code-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A run with its own cache home; DBFENCE_DEBUG makes the CLI say why it did not use a cache. */
async function lintWith(cacheHome: string) {
  const outcome = await dbfence(['lint', 'findings.yaml'], { env: { XDG_CACHE_HOME: cacheHome, DBFENCE_DEBUG: '1' } });
  expect(outcome.code).toBe(1);
  expect(outcome.stdout).toContain('✖ 4 problems (2 errors, 2 warnings)');
  return outcome.stderr;
}

/** A cache home after one run: the folder and its one entry. */
async function primed(name: string) {
  const home = join(scratch, name);
  expect(await lintWith(home)).toBe('');
  const folder = join(home, 'dbfence', 'code-cache');
  const [entry] = readdirSync(folder);
  return { home, folder, file: join(folder, entry!) };
}

const posix = process.platform !== 'win32';
const root = process.getuid?.() === 0;

describe.skipIf(!posix)('the code cache', () => {
  it('lives in the user\'s cache folder, which only the user can open, and is used on the next run', async () => {
    const { home, folder, file } = await primed('fresh');
    expect(lstatSync(folder).mode & 0o777).toBe(0o700);
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    expect(lstatSync(file).uid).toBe(process.getuid!());
    expect(await lintWith(home)).toBe('');
  });

  it('defaults to ~/.cache/dbfence, not the shared temp folder', async () => {
    const home = join(scratch, 'home');
    mkdirSync(home);
    const { code } = await dbfence(['lint', 'clean.yaml'], { env: { HOME: home, XDG_CACHE_HOME: '' } });
    expect(code).toBe(0);
    expect(readdirSync(join(home, '.cache', 'dbfence', 'code-cache'))).toHaveLength(1);
  });

  it('keeps an entry for lint apart from other commands, so a lint after --version does not run without the lint code cached', async () => {
    const home = join(scratch, 'by-command');
    expect((await dbfence(['--version'], { env: { XDG_CACHE_HOME: home } })).code).toBe(0);
    expect(await lintWith(home)).toBe('');
    expect(readdirSync(join(home, 'dbfence', 'code-cache')).map((name) => name.replace(/^.*-/, '')).sort()).toEqual(['lint.bin', 'other.bin']);
  });

  it('is not used when the file is writable by others, and is replaced by one of the user\'s own', async () => {
    const { home, file } = await primed('loose-file');
    chmodSync(file, 0o666);
    expect(await lintWith(home)).toMatch(/^dbfence: code cache not used: .*\.bin: the file is writable by group or others \(mode 666\)\n$/);
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    expect(await lintWith(home)).toBe('');
  });

  it('is not used, nor written, when the folder is writable by others', async () => {
    const { home, folder, file } = await primed('loose-folder');
    chmodSync(folder, 0o777);
    rmSync(file);
    expect(await lintWith(home)).toMatch(/code-cache: the folder is writable by group or others \(mode 777\)\n$/);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('is not used through a symbolic link, for the file or the folder', async () => {
    const { home, folder, file } = await primed('symlinks');
    const elsewhere = join(scratch, 'elsewhere.bin');
    rmSync(file);
    writeFileSync(elsewhere, 'planted');
    chmodSync(elsewhere, 0o600);
    symlinkSync(elsewhere, file);
    expect(await lintWith(home)).toMatch(/\.bin: the file is a symbolic link\n$/);

    const linkedHome = join(scratch, 'linked-folder');
    mkdirSync(join(linkedHome, 'dbfence'), { recursive: true });
    symlinkSync(folder, join(linkedHome, 'dbfence', 'code-cache'));
    expect(await lintWith(linkedHome)).toMatch(/code-cache: the folder is a symbolic link\n$/);
  });

  // Only root can give a file to another user, as another local user would plant it.
  it.skipIf(!root)('is not used when the file or the folder belongs to another user', async () => {
    const { home, folder, file } = await primed('other-owner');
    chownSync(file, 4242, 4242);
    expect(await lintWith(home)).toMatch(/\.bin: the file belongs to uid 4242\n$/);
    chownSync(folder, 4242, 4242);
    expect(await lintWith(home)).toMatch(/code-cache: the folder belongs to uid 4242\n$/);
  });
});
