#!/usr/bin/env node
// Starts the CLI from its bundle, dist/cli/index.cjs, with a V8 code cache: the
// second and later runs skip compiling the bundle's functions (about a tenth of
// linting a small file). The cache is keyed by the bundle's content, so a new
// version never runs old code; any failure to read or write it only costs speed.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Script } from 'node:vm';

// The `yaml` parser reads process.env.LOG_TOKENS once per token, and each read
// of Node's process.env is a call into the C++ environment: about a tenth of
// the time of linting a large file. A plain copy reads the same for this
// process and is what child processes inherit.
process.env = { ...process.env };

// V8 hands a function to its optimising compiler once it has run for a budget
// of work. A typical endpoints.yaml lints in a few dozen milliseconds, before
// that work pays back, while the compiler threads compete with the lint for
// the cores: raising the budget made a 55 KB file 20 % faster and a 550 KB one
// 7 % faster, and left a 5.6 MB one unchanged (bench/lint.mjs). The flag exists
// in the V8 of Node 20 to 24; elsewhere V8 would print a warning, so it is not set.
if (/^1[1-3]\./.test(process.versions.v8)) v8.setFlagsFromString('--interrupt-budget=400000');

const bundle = fileURLToPath(new URL('../dist/cli/index.cjs', import.meta.url));
const source = readFileSync(bundle, 'utf8');
const cacheDir = join(tmpdir(), `dbfence-code-cache-${process.getuid?.() ?? 'user'}`);
const cacheFile = join(cacheDir, `${createHash('sha256').update(process.version).update(source).digest('hex').slice(0, 32)}.bin`);
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
const cli = { exports: {} };
script.runInThisContext()(cli.exports, createRequire(bundle), cli, bundle, join(bundle, '..'));
await cli.exports.run(process.argv.slice(2));
if (cachedData === undefined || script.cachedDataRejected) {
  try {
    // Made after the run, the cache holds every function the run compiled.
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const partial = `${cacheFile}.${process.pid}`;
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, cacheFile);
  } catch {
    // A read-only or full temp folder: the next run compiles again, that is all.
  }
}
