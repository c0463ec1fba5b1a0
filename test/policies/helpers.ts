import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintDocument, type RuleSet } from '../../src/lint/engine.js';
import type { Finding } from '../../src/lint/finding.js';
import { loadRuleSet } from '../../src/lint/run.js';
import { parseYaml } from '../../src/model/parse.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLE_POLICIES = join(REPO_ROOT, 'examples', 'policies');

/** A small endpoints.yaml that every built-in rule and every example policy accepts. */
export const CLEAN = `version: 1
provider:
  kind: postgres
  adminUrl: { fromEnv: DBFENCE_PG_ADMIN_URL }
databases:
  - name: orders
    engine: postgresql
    endpoints:
      - name: orders-public
        exposure: public
        hostname: orders.db.example.com
        port: 5432
        tls:
          minVersion: "1.2"
        allow:
          - cidr: 52.20.10.10/32
            description: Metabase egress NAT
          - cidr: 34.90.0.0/28
            description: Fivetran us-east
    integrations:
      - name: metabase
        owner: data-platform@example.com
        user: metabase_ro
        endpoint: orders-public
        from: [52.20.10.10/32]
        grants:
          - table: public.orders
            privileges: [SELECT]
        tls:
          verify: full
        keepalive: 5m
        credentials:
          password: { fromEnv: METABASE_DB_PASSWORD }
`;

/** CLEAN with each [before, after] replacement applied once; fails loudly when `before` is missing. */
export function edit(text: string, ...replacements: [string, string][]): string {
  return replacements.reduce((out, [before, after]) => {
    if (!out.includes(before)) throw new Error(`fixture does not contain ${JSON.stringify(before)}`);
    return out.replace(before, after);
  }, text);
}

/** The 1-based line and column where `needle` first occurs in `text`, the way findings count them. */
export function positionOf(text: string, needle: string, from = 0): { line: number; column: number } {
  const offset = text.indexOf(needle, from);
  if (offset === -1) throw new Error(`fixture does not contain ${JSON.stringify(needle)}`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

export async function ruleSetFrom(policiesDir?: string): Promise<RuleSet> {
  return (await loadRuleSet(policiesDir)).ruleSet;
}

export const TODAY = '2026-06-15';

export function lintText(text: string, ruleSet: RuleSet, today = TODAY): Finding[] {
  return lintDocument(parseYaml('endpoints.yaml', text), ruleSet, { today }).findings;
}

const folders: string[] = [];

/** Removes every folder `folderWith` made; test files that use it call this in `afterAll`. */
export function removeFolders(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh folder holding the given files (name → text), for policy folders and linted files. */
export function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbfence-policies-'));
  folders.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Runs the built CLI (bin/dbfence.js → lib/) as a process, as a user or CI would. */
export function runCli(args: string[], cwd: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, 'bin', 'dbfence.js'), ...args], {
      cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', DBFENCE_DEBUG: '' },
    }, (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? -1) : 0, stdout, stderr }));
  });
}
