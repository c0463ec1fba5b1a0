#!/usr/bin/env node
// Bundles what ships as single files, from lib/ (compiled by `npm run build`,
// which `npm run bundle` runs first):
// - the Action, lib/action/index.js, by ncc into dist/: ESM, one file
//   (dist/index.js, with dist/package.json {"type":"module"}: what the code
//   loads lazily is marked webpackMode "eager", so it is inside, evaluated on
//   first use), and licenses.txt for the bundled packages;
// - the CLI, lib/cli/main.js, by esbuild into dist/cli/index.cjs: one CommonJS
//   file, because Node 20 keeps a V8 code cache only for scripts, not ES
//   modules, and bin/dbfence.js loads it with one (see there); and beside it
//   dist/cli/licenses.txt, the licenses of the packages it bundles (from
//   esbuild's metafile), in ncc's format.
// Both bundles hold every package they use, so the published package declares
// no dependencies: `npm install dbfence` installs dbfence alone.
// CI rebuilds both and fails when the committed dist/ differs (.ci/run).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
const cli = buildSync({
  absWorkingDir: root,
  entryPoints: ['lib/cli/main.js'],
  outfile: 'dist/cli/index.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // A CommonJS file has no import.meta: ES modules inside (fdir, under tinyglobby) get the bundle's own URL.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: 'var __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  metafile: true,
});
// The bundle's hash on its first line names its V8 code cache (bin/dbfence.js), which then need not hash it each run.
const cliBundle = new URL('../dist/cli/index.cjs', import.meta.url);
const cliCode = readFileSync(cliBundle, 'utf8');
writeFileSync(cliBundle, `// sha256 ${createHash('sha256').update(cliCode).digest('hex')}\n${cliCode}`);
writeFileSync(new URL('../dist/cli/licenses.txt', import.meta.url), bundledLicenses(Object.keys(cli.metafile.inputs)));
console.log(`bundle: dist/ holds ${readdirSync(new URL('../dist', import.meta.url), { recursive: true }).sort().join(', ')}`);

/**
 * The notices of the packages the given bundle inputs come from: per package,
 * its name, its declared license and the text of its license file (none for
 * the few that ship none, as in ncc's file), sorted by name.
 */
function bundledLicenses(inputs) {
  const folders = new Set();
  for (const input of inputs) {
    // The package folder is the path up to and including the last node_modules/<name> (or <@scope>/<name>).
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) folders.add(match[1]);
  }
  const notices = [...folders].map((folder) => {
    const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(join(root, folder)).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
    const text = licenseFile ? `${readFileSync(join(root, folder, licenseFile), 'utf8').trim()}\n` : '';
    return { name: manifest.name, text: `${manifest.name}\n${manifest.license}\n${text}` };
  });
  // Two copies of one version of a package give one notice.
  return [...new Set(notices.sort((a, b) => a.name.localeCompare(b.name)).map((notice) => notice.text))].join('\n');
}
