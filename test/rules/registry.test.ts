import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Severity } from '../../src/lint/finding.js';
import { loadBuiltinPack } from '../../src/lint/policies/load.js';
import type { PackEntry } from '../../src/lint/policies/pack.js';
import { exampleRuleIds, loadRuleExamples } from '../../src/lint/rules/examples/load.js';
import { BUILTIN_RULES, CORE_CHECKS, PLAN_RULES } from '../../src/lint/rules/index.js';
import { REPOSITORY_ROOT } from '../../src/lint/rules/examples/load.js';

/** The rule tables of the spec (endpoints-v1.md, "Built-in rules"): ids and default severities are the contract. */
const SPEC_SEVERITIES: Record<string, Severity> = {
  'no-world-open': 'error',
  'allowlist-breadth': 'error',
  'allowlist-required': 'error',
  'non-routable-source': 'warning',
  'cidr-host-bits': 'error',
  'private-endpoint-allowlist': 'warning',
  'private-endpoint-accounts': 'error',
  'unique-user-per-integration': 'error',
  'no-admin-credential': 'error',
  'read-only-grants': 'error',
  'no-sensitive-grants': 'error',
  'tls-verify-full': 'error',
  'source-within-allowlist': 'error',
  'heartbeat-below-idle-timeout': 'warning',
  'unique-names': 'error',
  'no-inline-secrets': 'error',
  'integration-owner': 'warning',
  'destructive-change': 'error',
  'certificate-expiry': 'warning',
  'drift': 'warning',
};

const lintIds = BUILTIN_RULES.map((rule) => rule.meta.id);
const planIds = PLAN_RULES.map((meta) => meta.id);
const coreIds = CORE_CHECKS.map((check) => check.id);
const pack = loadBuiltinPack();

function packSeverity(entry: PackEntry | undefined): string | undefined {
  return typeof entry === 'string' ? entry : entry?.severity;
}

describe('the rule registry', () => {
  it('registers every rule of the spec', () => {
    expect([...lintIds, ...planIds]).toEqual(expect.arrayContaining(Object.keys(SPEC_SEVERITIES)));
  });

  it('ships the built-in pack with the severities of the spec', () => {
    const shipped = Object.fromEntries(Object.keys(SPEC_SEVERITIES).map((id) => [id, packSeverity(pack.rules[id])]));
    expect(shipped).toEqual(SPEC_SEVERITIES);
  });

  it("turns every rule on in the built-in pack, at the rule's own default severity and options", () => {
    for (const rule of BUILTIN_RULES) {
      const entry = pack.rules[rule.meta.id];
      expect(packSeverity(entry), rule.meta.id).toBe(rule.meta.severity);
      const options = typeof entry === 'object' ? entry.options ?? {} : {};
      expect(options, rule.meta.id).toEqual(rule.defaultOptions);
    }
    for (const meta of PLAN_RULES) expect(packSeverity(pack.rules[meta.id]), meta.id).toBe(meta.severity);
  });

  it('gives every lint rule and core check an examples file, and has none for an unknown id', () => {
    expect(exampleRuleIds()).toEqual([...lintIds, ...coreIds].sort());
    for (const id of exampleRuleIds()) {
      const { good, bad } = loadRuleExamples(id);
      expect(good.length, id).toBeGreaterThan(0);
      expect(bad.length, id).toBeGreaterThan(0);
    }
  });

  it('gives every rule a docs page, and docs/rules holds nothing else but its index', () => {
    const docs = join(REPOSITORY_ROOT, 'docs', 'rules');
    const expected = [...lintIds, ...planIds, ...coreIds].map((id) => `${id}.md`);
    expect(readdirSync(docs).sort()).toEqual([...expected, 'README.md'].sort());
  });

  it("derives each rule's docs URL from its id, pointing at its page", () => {
    for (const meta of [...BUILTIN_RULES.map((rule) => rule.meta), ...PLAN_RULES, ...CORE_CHECKS]) {
      expect(meta.docsUrl.endsWith(`/docs/rules/${meta.id}.md`), meta.id).toBe(true);
    }
  });
});
