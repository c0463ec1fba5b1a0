// The CLI's V8 code cache: compiled code that runs as the user, so it is read
// only from a folder and a file that nobody else can have written. The folder
// is the user's own cache folder ($XDG_CACHE_HOME or ~/.cache, then
// dbfence/code-cache; %LOCALAPPDATA% on Windows), never the shared temp folder,
// where another local user could plant a cache first. On POSIX the folder and
// the file must be owned by the current user, not symbolic links, and not
// writable by group or others; otherwise the CLI runs without a cache, which
// only costs speed.
// Each new entry makes the entries of other builds and Node versions stale:
// saving one removes those (see removeStale), so upgrades leave nothing behind.
'use strict';
const { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, opendirSync, readFileSync, renameSync, unlinkSync, writeFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { isAbsolute, join } = require('node:path');

/** The cache folder for this user, or undefined where there is none to be had. */
function cacheFolder(env = process.env) {
  if (process.platform === 'win32') return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, 'dbfence', 'code-cache') : undefined;
  // The XDG spec: a relative $XDG_CACHE_HOME is invalid and ignored.
  const base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'dbfence', 'code-cache');
}

/** Why a file or folder with these stats may hold another user's code; undefined when only this user can have written it. */
function distrust(stats, kind) {
  if (process.getuid === undefined) return undefined; // Windows: the profile folder's access list guards it
  if (stats.isSymbolicLink()) return `the ${kind} is a symbolic link`;
  if (stats.uid !== process.getuid()) return `the ${kind} belongs to uid ${stats.uid}`;
  if ((stats.mode & 0o022) !== 0) return `the ${kind} is writable by group or others (mode ${(stats.mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * Opens the cache entry `name` in `folder` (created, 0700, when missing).
 * Returns the cached data when it can be trusted, a `save` that writes a new
 * entry, and `problem`: why an entry present was not used (for DBFENCE_DEBUG).
 */
function openCodeCache(folder, name) {
  const none = { data: undefined, save() {}, problem: undefined };
  if (folder === undefined) return none;
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const problem = distrust(lstatSync(folder), 'folder');
    if (problem) return { ...none, problem: `${folder}: ${problem}` };
  } catch (error) {
    return { ...none, problem: `${folder}: ${error.code ?? error.message}` };
  }
  const file = join(folder, name);
  const save = (data) => {
    const partial = `${file}.${process.pid}`;
    try {
      // O_EXCL: never through a link someone left under the temporary name.
      writeFileSync(partial, data, { mode: 0o600, flag: 'wx' });
      renameSync(partial, file);
    } catch {
      // A read-only or full disk: the next run compiles again, that is all.
      return;
    }
    removeStale(folder, name);
  };
  let fd;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    // The opened file itself is checked, so it cannot be swapped after the check.
    const stats = fstatSync(fd);
    const problem = stats.isFile() ? distrust(stats, 'file') : 'the file is not a regular file';
    if (problem) return { data: undefined, save, problem: `${file}: ${problem}` };
    return { data: readFileSync(fd), save, problem: undefined };
  } catch (error) {
    // ELOOP: O_NOFOLLOW met a symbolic link.
    const problem = error.code === 'ENOENT' ? undefined : `${file}: ${error.code === 'ELOOP' ? 'the file is a symbolic link' : error.code ?? error.message}`;
    return { data: undefined, save, problem };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// An entry's name (bin/dbfence.js): the bundle's key (32 hex digits of its
// SHA-256, then the Node version, the bundle's size and modification time; or
// 32 hex digits of a hash that covers the Node version), `-lint` or `-other`,
// `.bin`; and `.<pid>` while a save writes it.
const ENTRY = /^([0-9a-f]{32}(?:-v\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?-\d+-\d+)?)-(?:lint|other)\.bin(\.\d+)?$/;
// Another build or Node version may still be in use (a global and a local
// install, two Node versions): an entry made within this time is kept, so two
// of them never remove each other's entry on every run.
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;
// Bounds the work one save does in a folder that holds more than it should.
const MAX_NAMES_READ = 200;

/**
 * Removes from `folder` (a trusted one: only this user can add or swap its
 * files) the entries, made more than STALE_AFTER_MS ago, of another key than
 * `current`'s, and the leftovers of saves cut short. Only regular files of this
 * user are removed (lstat: a symbolic link is never followed, nor removed);
 * files named otherwise are not this cache's. A failure only leaves a file.
 */
function removeStale(folder, current) {
  const currentKey = ENTRY.exec(current)?.[1];
  if (currentKey === undefined) return;
  const staleBefore = Date.now() - STALE_AFTER_MS;
  let dir;
  try {
    dir = opendirSync(folder);
    for (let read = 0, entry; read < MAX_NAMES_READ && (entry = dir.readSync()) !== null; read += 1) {
      const [, key, partial] = ENTRY.exec(entry.name) ?? [];
      if (key === undefined || (key === currentKey && partial === undefined)) continue;
      const path = join(folder, entry.name);
      try {
        const stats = lstatSync(path);
        const mine = process.getuid === undefined || stats.uid === process.getuid();
        if (stats.isFile() && mine && stats.mtimeMs < staleBefore) unlinkSync(path);
      } catch {
        // Gone meanwhile, or not ours to remove: it stays.
      }
    }
  } catch {
    // An unreadable folder: nothing is removed.
  } finally {
    try {
      dir?.closeSync();
    } catch {
      // Cleaning up never fails the run.
    }
  }
}

module.exports = { cacheFolder, openCodeCache };
