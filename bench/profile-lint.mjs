#!/usr/bin/env node
// Profiles one `dbfence lint FILE` run with V8's CPU profiler and prints where
// the time goes: by function (self time) and by package. Usage:
//   node bench/profile-lint.mjs FILE [TOP=20]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [file, top = '20'] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/profile-lint.mjs FILE [TOP]');
const dir = mkdtempSync(join(tmpdir(), 'dbfence-prof-'));
execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, 'bin/dbfence.js', 'lint', file], { stdio: 'ignore' });
const profile = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map();
const byArea = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const micros = profile.timeDeltas[i] ?? 0;
  total += micros;
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(lib|src)\//, '$1/');
  const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  selfTime.set(key, (selfTime.get(key) ?? 0) + micros);
  const area = url === '' ? functionName : url.includes('node_modules/') ? url.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1') : url.startsWith('node:') ? 'node internals' : 'dbfence';
  byArea.set(area, (byArea.get(area) ?? 0) + micros);
});
const ms = (micros) => `${(micros / 1000).toFixed(0).padStart(6)} ms`;
console.log(`total sampled: ${ms(total)}\n\nby area:`);
for (const [area, micros] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${ms(micros)}  ${area}`);
console.log(`\nby function (self time):`);
for (const [key, micros] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${ms(micros)}  ${key}`);
