#!/usr/bin/env node
// Starts the CLI from its bundle, dist/cli/index.cjs, with a V8 code cache: the
// second and later runs skip compiling the bundle's functions (about a tenth of
// linting a small file). The cache is keyed by the bundle's hash (bundleKey),
// so a new version never runs old code; any failure to read or write it only
// costs speed.
// Where it lives and why it is trusted: code-cache.js.
// This folder's files are CommonJS (bin/package.json): Node 20 starts an ES
// module through its ESM loader, which loads and compiles a dozen internal
// modules first (about a twentieth of linting a small file).
'use strict';
const { isAscii } = require('node:buffer');
const { readFileSync, statSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const v8 = require('node:v8');
const { Script } = require('node:vm');
const { cacheFolder, openCodeCache } = require('./code-cache.js');

// The `yaml` parser reads process.env.LOG_TOKENS once per token, and each read
// of Node's process.env is a call into the C++ environment: about a tenth of
// the time of linting a large file. A plain copy reads the same for this
// process and is what child processes inherit.
process.env = { ...process.env };

// V8 hands a function to its optimising compiler (TurboFan) once it has run
// for a budget of work. A typical endpoints.yaml lints in a few dozen
// milliseconds, before that work pays back, while the compiler threads compete
// with the lint for the cores. Raising the budget made a 55 KB file about a
// fifth faster and left a 5.6 MB one within a few per cent (bench/lint.mjs):
// on Node 20 (V8 11.3) by interrupt budget (more than this cost the large file
// a tenth), on Node 22 (V8 12.4) by invocation count. On Node 24 (V8 13.6) it
// gained nothing and cost the large file a little.
// Each flag exists only in its V8 (`node --v8-options`), and V8 reports an
// unknown flag on standard error where no caller can catch it, so each is set
// only where it is known to exist.
const LATER_TURBOFAN = { '11.3.': '--interrupt-budget=1000000', '12.4.': '--invocation-count-for-turbofan=10000' };
const laterTurbofan = Object.entries(LATER_TURBOFAN).find(([v8Version]) => process.versions.v8.startsWith(v8Version));
if (laterTurbofan) v8.setFlagsFromString(laterTurbofan[1]);

const bundle = join(__dirname, '..', 'dist', 'cli', 'index.cjs');
// esbuild writes the bundle in ASCII: taken byte for byte it reads the same as
// UTF-8, without decoding a megabyte (about a hundredth of a small lint).
const bytes = readFileSync(bundle);
const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
// An entry holds what the run that made it compiled: one made by `dbfence
// --version` would leave every later lint compiling the lint code. Lint, run
// most often (by hooks and CI, on every change), has an entry of its own.
const scope = process.argv[2] === 'lint' ? 'lint' : 'other';
const cache = openCodeCache(cacheFolder(), `${bundleKey(source)}-${scope}.bin`);
if (cache.problem && process.env.DBFENCE_DEBUG) process.stderr.write(`dbfence: code cache not used: ${cache.problem}\n`);
const script = new Script(Module.wrap(source), { filename: bundle, cachedData: cache.data });
const cli = { exports: {} };
script.runInThisContext()(cli.exports, Module.createRequire(bundle), cli, bundle, join(bundle, '..'));
cli.exports.run(process.argv.slice(2)).then(() => {
  // Made after the run, the cache holds every function the run compiled.
  if (cache.data === undefined || script.cachedDataRejected) cache.save(script.createCachedData());
  // The run is over, but Node would first run the garbage collections V8 has
  // scheduled meanwhile (a full one, for a file of a few dozen KB: about a
  // twentieth of the run). Exiting now skips them; only when the output is all
  // written, as it is where writes to pipes and files are synchronous (Linux),
  // so nothing is cut short elsewhere either.
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit();
});

/**
 * Names the bundle's build for this Node. scripts/bundle.mjs writes the
 * SHA-256 of the bundle on its first line, so it is not hashed here (hashing
 * a megabyte, and loading node:crypto for it, was a twentieth of linting a
 * small file); the file's size and modification time join it, so a bundle
 * edited by hand gets a cache of its own. A bundle without the line (built
 * some other way) is hashed.
 */
function bundleKey(text) {
  const stated = /^\/\/ sha256 ([0-9a-f]{64})\n/.exec(text)?.[1];
  if (stated === undefined) {
    const { createHash } = require('node:crypto');
    return createHash('sha256').update(process.version).update(text).digest('hex').slice(0, 32);
  }
  const { size, mtimeMs } = statSync(bundle);
  return `${stated.slice(0, 32)}-${process.version}-${size}-${Math.trunc(mtimeMs)}`;
}
