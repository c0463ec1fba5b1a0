#!/usr/bin/env node
// Bundles the Action into dist/: lib/action/index.js (compiled by `npm run
// build`, which `npm run bundle` runs first) with every dependency, by ncc.
// The output is ESM: dist/index.js, dist/package.json ({"type":"module"}), the
// chunks ncc splits off for what the code loads lazily (the providers, ajv's
// compiler for custom policies), and licenses.txt for the bundled packages.
// CI rebuilds it and fails when the committed dist/ differs (.ci/run).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const entry = 'lib/action/index.js';
if (!existsSync(new URL(`../${entry}`, import.meta.url))) {
  console.error(`bundle: ${entry} is missing; run \`npm run bundle\`, which builds it first`);
  process.exit(1);
}
// A clean folder, so a chunk the code no longer has cannot linger.
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    fileURLToPath(new URL('../node_modules/@vercel/ncc/dist/ncc/cli.js', import.meta.url)),
    'build', entry,
    '--out', 'dist',
    '--minify',
    '--no-cache',
    '--target', 'es2022',
    '--license', 'licenses.txt',
    '--quiet',
  ],
  { cwd: root, stdio: 'inherit' },
);
console.log(`bundle: dist/ holds ${readdirSync(new URL('../dist', import.meta.url)).sort().join(', ')}`);
