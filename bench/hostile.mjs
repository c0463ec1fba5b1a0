#!/usr/bin/env node
// Times `dbfence lint` as a whole process on hostile YAML: alias expansion
// spread over many `databases` items, one anchor with many aliases, an alias
// across items (issue 8); millions of tiny nodes in one flow list, and
// 100,000 allow entries that are no address. Prints wall time, peak memory, exit
// status and the findings by rule for each. Run `npm run bundle` first.
// Usage: node bench/hostile.mjs [--timeout SECONDS] [--only NAME,NAME] [--bin PATH]
// (--bin: another build's bin/dbfence.js, to compare before and after a change)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    timeout: { type: 'string', default: '300' },
    only: { type: 'string' },
    bin: { type: 'string', default: 'bin/dbfence.js' },
  },
});
const work = resolve('.bench', 'hostile');
mkdirSync(work, { recursive: true });
if (!existsSync('/usr/bin/time')) throw new Error('needs GNU time at /usr/bin/time for peak memory (Debian: apt install time)');
// Also needs timeout(1) (coreutils).

const HEADER = 'version: 1\nprovider:\n  kind: postgres\n  adminUrl: { fromEnv: PG_URL }\ndatabases:\n';
const repeat = (text, count, separator = ', ') => Array(count).fill(text).join(separator);

/** `count` items, each with aliases that expand to just under 10,000 nodes when counted one item at a time. */
function aliasesInEveryItem(count) {
  const item = (d) => `  - name: db${d}
    engine: postgresql
    a: &a [${repeat('x', 10)}]
    b: &b [${repeat('*a', 10)}]
    c: &c [${repeat('*b', 10)}]
    d: [${repeat('*c', 7)}]
`;
  return HEADER + Array.from({ length: count }, (_, d) => item(d)).join('');
}

/** One database whose `sensitive` list is one anchored table and `count` aliases of it. */
function oneAnchorManyAliases(count) {
  return `${HEADER}  - name: orders
    engine: postgresql
    sensitive:
      - &t public.cards
${repeat('      - *t', count, '\n')}
`;
}

/** `count` databases; the first anchors its TLS settings, every other one aliases them. */
function aliasAcrossItems(count) {
  const item = (d) => `  - name: db${d}
    engine: postgresql
    endpoints:
      - name: db${d}-public
        exposure: public
        hostname: db${d}.example.com
        allow: [{ cidr: 11.0.${d % 250}.0/24, description: clients }]
    integrations:
      - name: db${d}-bi
        owner: data@example.com
        user: db${d}_bi
        endpoint: db${d}-public
        from: [11.0.${d % 250}.7/32]
        keepalive: 5m
        tls: ${d === 0 ? '&tls { verify: full }' : '*tls'}
        grants:
          - { table: public.orders, privileges: [SELECT] }
`;
  return HEADER + Array.from({ length: count }, (_, d) => item(d)).join('');
}

/** One flow list of `count` one-letter items, past the list of databases. */
function oneFlowList(count) {
  return `${HEADER}  - name: orders\n    engine: postgresql\nextra: [${repeat('a', count, ',')}]\n`;
}

/** One public endpoint whose allowlist has `count` entries that are no address. */
function allowNotAddresses(count) {
  return `${HEADER}  - name: orders
    engine: postgresql
    endpoints:
      - name: orders-public
        exposure: public
        hostname: orders.example.com
        allow:
${repeat('          - { cidr: not-an-address, description: x }', count, '\n')}
`;
}

const CASES = [
  ['aliases-in-2000-items', () => aliasesInEveryItem(2000)],
  ['aliases-in-8000-items', () => aliasesInEveryItem(8000)],
  ['one-anchor-9000-aliases', () => oneAnchorManyAliases(9000)],
  ['one-anchor-20000-aliases', () => oneAnchorManyAliases(20000)],
  ['alias-across-3000-items', () => aliasAcrossItems(3000)],
  ['flow-list-7000000-items', () => oneFlowList(7_000_000)],
  ['allow-100000-not-addresses', () => allowNotAddresses(100_000)],
];

/** The findings by rule and line of the first (`syntax×1 at 16:44`), or the tool's error line. */
function describeOutcome(stdout, stderr) {
  let findings;
  try {
    findings = JSON.parse(stdout).findings;
  } catch {
    return stderr.find((line) => line.trim() !== '')?.trim().slice(0, 90) ?? '';
  }
  if (findings.length === 0) return 'none';
  const byRule = new Map();
  for (const { ruleId } of findings) byRule.set(ruleId, (byRule.get(ruleId) ?? 0) + 1);
  return `${[...byRule].map(([rule, count]) => `${rule}×${count}`).join(', ')}; first at ${findings[0].line}:${findings[0].column}`;
}

const only = values.only?.split(',');
console.log(`dbfence lint on hostile YAML, one run each, timeout ${values.timeout} s`);
console.log('| case | file | seconds | peak MB | exit | findings |');
console.log('|---|---:|---:|---:|---:|---|');
for (const [name, generate] of CASES) {
  if (only && !only.includes(name)) continue;
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, generate());
  const start = process.hrtime.bigint();
  // timeout(1) kills the lint itself: a timeout of spawnSync would end only GNU time and leave the lint running.
  const lint = ['timeout', '-s', 'KILL', values.timeout, process.execPath, values.bin, 'lint', '--format', 'json', file];
  const result = spawnSync('/usr/bin/time', ['-f', '%M', ...lint], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const stderr = result.stderr.trim().split('\n');
  const mb = Number(stderr.pop()) / 1024;
  const output = result.status === 137 ? '' : describeOutcome(result.stdout, stderr);
  const status = result.status === 137 ? 'killed at the timeout' : result.status;
  console.log(`| ${name} | ${Math.round(statSync(file).size / 1024)} KB | ${seconds.toFixed(2)} | ${Number.isNaN(mb) || result.status === 137 ? '–' : mb.toFixed(0)} | ${status} | ${output.replaceAll('|', '\\|')} |`);
}
