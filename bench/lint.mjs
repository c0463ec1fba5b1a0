#!/usr/bin/env node
// Times `dbfence lint` as a whole process on the shared workload (10, 100 and
// 1,000 databases), side by side with Spectral on the same files (runs
// interleaved, so both meet the same load), median of 5,
// with peak memory: one table per Node runtime, this one and the LTS lines
// users have (22 and 24), each running both tools.
// Usage: node bench/lint.mjs [--runs N] [--shared DIR] [--no-spectral] [--sizes 10,100] [--only-this-node]
// Spectral is installed on first use into .bench/spectral (not a dependency of
// dbfence); Node 22 and 24 are the test suite's binaries (test/helpers/node-binaries.ts),
// installed on first use into .cache/node-binaries.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    shared: { type: 'string', default: resolve('..', 'shared', 'bench') },
    'no-spectral': { type: 'boolean', default: false },
    sizes: { type: 'string', default: '10,100,1000' },
    'only-this-node': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const work = resolve('.bench');
mkdirSync(work, { recursive: true });

if (!existsSync('/usr/bin/time')) throw new Error('needs GNU time at /usr/bin/time for peak memory (Debian: apt install time)');

/** One run: wall seconds (measured here, to the millisecond) and peak resident memory in MB (from GNU time). */
function measure(command, args) {
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const kilobytes = Number(result.stderr.trim().split('\n').pop());
  return { seconds, mb: kilobytes / 1024, status: result.status };
}

function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs the commands in turn, `runs` times over, after one run each that is
 * not counted (it fills dbfence's code cache on a new runtime, and the file
 * cache for both): interleaved, so a load on the machine that comes and goes
 * weighs on every command alike.
 */
function interleaved(commands) {
  const samples = commands.map(() => []);
  for (const [command, args] of commands) measure(command, args);
  for (let run = 0; run < runs; run++) commands.forEach(([command, args], i) => samples[i].push(measure(command, args)));
  return samples.map((list) => ({ seconds: median(list.map((s) => s.seconds)), mb: Math.max(...list.map((s) => s.mb)), status: list[0].status }));
}

/** Spectral's script (run by each Node binary in turn, not by its `#!/usr/bin/env node` line). */
function spectralScript() {
  const dir = join(work, 'spectral');
  const bin = join(dir, 'node_modules', '.bin', 'spectral');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    console.error('installing @stoplight/spectral-cli into .bench/spectral …');
    execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '@stoplight/spectral-cli'], { stdio: 'inherit' });
  }
  return realpathSync(bin);
}

/** This Node, then the test suite's Node 22 and 24 (one per version). */
function runtimes() {
  const own = [process.execPath];
  if (values['only-this-node']) return own;
  // The versions and their cache have one home, the TypeScript helper the tests use; tsx runs it.
  const script = "const { otherNodeBinaries } = await import('./test/helpers/node-binaries.ts'); console.log(JSON.stringify(await otherNodeBinaries()));";
  const others = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }));
  const byVersion = new Map([...own, ...Object.values(others)].map((node) => [execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(), node]));
  return [...byVersion.values()];
}

const sizes = values.sizes.split(',').map(Number);
const spectral = values['no-spectral'] ? undefined : spectralScript();
const files = sizes.map((size) => {
  const file = join(work, `endpoints-${size}.yaml`);
  if (!existsSync(file)) writeFileSync(file, execFileSync(process.execPath, [join(values.shared, 'gen-endpoints.mjs'), String(size)], { maxBuffer: 256 * 1024 * 1024 }));
  return { size, file, kb: Math.round(statSync(file).size / 1024) };
});

const fmt = (n, digits = 2) => n.toFixed(digits);
console.log(`dbfence lint vs spectral lint, whole process, median of ${runs} runs interleaved (peak RSS = max over runs); load average at the start ${loadavg().map((n) => fmt(n, 1)).join(', ')}`);
for (const node of runtimes()) {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const rows = [];
  for (const { size, file, kb } of files) {
    const commands = [[node, ['bin/dbfence.js', 'lint', file]]];
    if (spectral) commands.push([node, [spectral, 'lint', '-r', join(values.shared, 'spectral', '.spectral.yaml'), file]]);
    const [dbfence, spectralResult] = interleaved(commands);
    if (dbfence.status !== 0) throw new Error(`dbfence lint ${file} on Node ${version} exited ${dbfence.status}: the workload should have no findings`);
    rows.push({ size, kb, dbfence, spectral: spectralResult });
  }
  console.log(`\nNode ${version}`);
  console.log('| databases | file | dbfence s | dbfence MB | spectral s | spectral MB | speed-up |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const { size, kb, dbfence, spectral: s } of rows) {
    console.log(`| ${size} | ${kb} KB | ${fmt(dbfence.seconds, 3)} | ${fmt(dbfence.mb, 0)} | ${s ? fmt(s.seconds, 3) : '–'} | ${s ? fmt(s.mb, 0) : '–'} | ${s ? `${fmt(s.seconds / dbfence.seconds, 1)}x` : '–'} |`);
  }
  if (rows.length > 1) {
    const first = rows[0];
    const last = rows[rows.length - 1];
    const growth = (last.dbfence.seconds / first.dbfence.seconds) / (last.kb / first.kb);
    console.log(`time per KB, largest vs smallest file: ${fmt(growth)} (≤ 1 means no worse than linear)`);
  }
}
console.log(`\nload average at the end ${loadavg().map((n) => fmt(n, 1)).join(', ')}`);
