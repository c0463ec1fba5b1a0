import { chmodSync, chownSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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

/** Writes a file of the user's own, made two days ago, as an entry left by an earlier run would be. */
function leftBehind(folder: string, name: string) {
  const path = join(folder, name);
  writeFileSync(path, 'compiled code', { mode: 0o600 });
  utimesSync(path, TWO_DAYS_AGO, TWO_DAYS_AGO);
  return path;
}

const TWO_DAYS_AGO = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);

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

  it('removes, when it saves an entry, the entries of other builds and Node versions made over a day ago, and nothing else', async () => {
    const { folder, file, home } = await primed('stale');
    const current = basename(file); // <hash>-<node>-<size>-<mtime>-lint.bin
    utimesSync(file, TWO_DAYS_AGO, TWO_DAYS_AGO);
    const stale = [
      leftBehind(folder, `${'0'.repeat(32)}-v20.0.0-1234-5678-lint.bin`), // an earlier build
      leftBehind(folder, current.replace(/-v[^-]+-/, '-v18.20.4-').replace(/-lint\.bin$/, '-other.bin')), // another Node
      leftBehind(folder, `${'a'.repeat(32)}-lint.bin`), // a build without its hash line
      leftBehind(folder, `${current}.4242`), // a save cut short
    ];
    const recent = join(folder, `${'1'.repeat(32)}-other.bin`);
    writeFileSync(recent, 'another install, in use', { mode: 0o600 });
    const foreign = leftBehind(folder, 'notes.txt');
    const target = join(scratch, 'stale-target.bin');
    writeFileSync(target, 'not in the cache folder');
    const link = join(folder, `${'c'.repeat(32)}-lint.bin`);
    symlinkSync(target, link);
    lutimesSync(link, TWO_DAYS_AGO, TWO_DAYS_AGO);

    // --version has no entry yet: it saves one.
    expect((await dbfence(['--version'], { env: { XDG_CACHE_HOME: home } })).code).toBe(0);
    const left = readdirSync(folder);
    expect(left).toHaveLength(5);
    expect(left).toEqual(expect.arrayContaining([current, current.replace(/-lint\.bin$/, '-other.bin'), basename(recent), basename(foreign), basename(link)]));
    for (const path of stale) expect(left).not.toContain(basename(path));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync(target).isFile()).toBe(true);
    expect(await lintWith(home)).toBe('');
  });

  // Only root can give a file to another user, as another local user would plant it.
  it.skipIf(!root)('never removes another user\'s file, named as a stale entry', async () => {
    const { folder, home } = await primed('stale-other-owner');
    const planted = leftBehind(folder, `${'0'.repeat(32)}-lint.bin`);
    chownSync(planted, 4242, 4242);
    expect((await dbfence(['--version'], { env: { XDG_CACHE_HOME: home } })).code).toBe(0);
    expect(lstatSync(planted).uid).toBe(4242);
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
