// The CLI's V8 code cache: compiled code that runs as the user, so it is read
// only from a folder and a file that nobody else can have written. The folder
// is the user's own cache folder ($XDG_CACHE_HOME or ~/.cache, then
// dbfence/code-cache; %LOCALAPPDATA% on Windows), never the shared temp folder,
// where another local user could plant a cache first. On POSIX the folder and
// the file must be owned by the current user, not symbolic links, and not
// writable by group or others; otherwise the CLI runs without a cache, which
// only costs speed.
'use strict';
const { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
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
    }
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

module.exports = { cacheFolder, openCodeCache };
