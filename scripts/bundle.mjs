#!/usr/bin/env node
// Bundles what ships as single files, from lib/ (compiled by `npm run build`,
// which `npm run bundle` runs first):
// - the Action, lib/action/index.js, by ncc into dist/: ESM, one file
//   (dist/index.js, with dist/package.json {"type":"module"}: what the code
//   loads lazily is marked webpackMode "eager", so it is inside, evaluated on
//   first use), and licenses.txt for the bundled packages;
// - the CLI, lib/cli/main.js, by esbuild into dist/cli/index.cjs: one CommonJS
//   file, because Node 20 keeps a V8 code cache only for scripts, not ES
//   modules, and bin/dbfence.js loads it with one (see there).
// CI rebuilds both and fails when the committed dist/ differs (.ci/run).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
for (const entry of ['lib/action/index.js', 'lib/cli/main.js']) {
  if (!existsSync(new URL(`../${entry}`, import.meta.url))) {
    console.error(`bundle: ${entry} is missing; run \`npm run bundle\`, which builds it first`);
    process.exit(1);
  }
}
// A clean folder, so a file the build no longer makes cannot linger.
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    fileURLToPath(new URL('../node_modules/@vercel/ncc/dist/ncc/cli.js', import.meta.url)),
    'build', 'lib/action/index.js',
    '--out', 'dist',
    '--minify',
    '--no-cache',
    '--target', 'es2022',
    '--license', 'licenses.txt',
    '--quiet',
  ],
  { cwd: root, stdio: 'inherit' },
);
buildSync({
  absWorkingDir: root,
  entryPoints: ['lib/cli/main.js'],
  outfile: 'dist/cli/index.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // A CommonJS file has no import.meta: ES modules inside (fdir, under tinyglobby) get the bundle's own URL.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: 'var __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
});
console.log(`bundle: dist/ holds ${readdirSync(new URL('../dist', import.meta.url), { recursive: true }).sort().join(', ')}`);
