import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { lintDocument } from '../../src/lint/engine.js';
import type { Finding } from '../../src/lint/finding.js';
import { loadRuleSet } from '../../src/lint/run.js';
import { checkSchema } from '../../src/lint/schema-check.js';
import { parseYaml } from '../../src/model/parse.js';
import { HEADER } from '../report/helpers.js';

/** Many findings over two databases: the world admitted, no owners, write grants, weak TLS, a missing endpoint. */
const FILE = `${HEADER}databases:
  - name: orders
    engine: postgresql
    sensitive: [public.cards]
    endpoints:
      - name: orders-public
        exposure: public
        allow:
          - cidr: 0.0.0.0/0
          - cidr: 10.0.0.0/8
      - name: orders-internal
        exposure: public
        allow:
          - cidr: 52.20.0.0/16
    integrations:
      - name: metabase
        user: metabase
        endpoint: orders-public
        access: read-only
        from: [10.1.0.0/16]
        grants:
          - table: public.cards
            privileges: [SELECT, UPDATE]
        tls:
          verify: VERIFY
      - name: etl
        user: etl
        endpoint: orders-internal
        from: [52.21.0.0/16]
        tls:
          verify: none
      - name: ghost
        user: ghost
        endpoint: nowhere
  - name: billing
    engine: postgresql
    endpoints:
      - name: billing-public
        exposure: public
        allow:
          - cidr: 0.0.0.0/1
          - cidr: 128.0.0.0/1
    integrations:
      - name: reports
        user: reports
        endpoint: billing-public
        from: [10.0.0.0/8]
`;

async function lint(text: string): Promise<Finding[]> {
  const { ruleSet } = await loadRuleSet(undefined);
  return lintDocument(parseYaml('endpoints.yaml', text), ruleSet, { today: '2026-01-01' }).findings;
}

const brief = (finding: Finding) => `${finding.ruleId} ${finding.path} ${finding.line}:${finding.column}`;

describe('a file that fails the schema in one place', () => {
  it('still gets every finding of the items that passed it, at their own lines', async () => {
    const fixed = await lint(FILE.replace('verify: VERIFY', 'verify: full'));
    const broken = await lint(FILE);
    const elsewhere = fixed.filter((finding) => !finding.path.startsWith('databases[0].integrations[0]'));
    expect(fixed.length).toBeGreaterThan(8);
    expect(broken.filter((finding) => finding.ruleId === 'schema').map(brief)).toEqual(['schema databases[0].integrations[0].tls.verify 29:19']);
    expect(broken.filter((finding) => finding.ruleId !== 'schema').map(brief).sort()).toEqual(elsewhere.map(brief).sort());
  });

  it('keeps the paths of items after a removed one pointing at the file', async () => {
    const broken = await lint(FILE);
    const etl = broken.find((finding) => finding.ruleId === 'tls-verify-full');
    expect(etl).toMatchObject({ path: 'databases[0].integrations[1].tls.verify', line: 35 });
  });

  it('drops the integrations of a removed endpoint instead of calling their endpoint missing', async () => {
    const broken = await lint(FILE.replace('exposure: public\n        allow:\n          - cidr: 52.20', 'exposure: open\n        allow:\n          - cidr: 52.20'));
    expect(broken.filter((finding) => finding.path.startsWith('databases[0].integrations[1]'))).toEqual([]);
    expect(broken.some((finding) => finding.message.includes('names endpoint orders-internal'))).toBe(false);
    expect(broken.some((finding) => finding.path === 'databases[1].endpoints[0].allow')).toBe(true);
  });

  it('keeps the whole-file reading of robust rules and runs no other rule when the provider is wrong', async () => {
    const broken = await lint(FILE.replace('kind: postgres', 'kind: oracle'));
    expect(new Set(broken.map((finding) => finding.ruleId))).toEqual(new Set(['schema', 'no-world-open']));
  });

  it('settles a list left too short one item up, and never crashes on what remains', async () => {
    const single = FILE.replace(/      - name: etl[\s\S]*?endpoint: nowhere\n/, '').replace('privileges: [SELECT, UPDATE]', 'privileges: [SELEKT]').replace('verify: VERIFY', 'verify: full');
    const broken = await lint(single);
    expect(broken.filter((finding) => finding.ruleId === 'schema').map((finding) => finding.path)).toEqual(['databases[0].integrations[0].grants[0].privileges[0]']);
    expect(broken.some((finding) => finding.path.startsWith('databases[1]') && finding.ruleId === 'no-world-open')).toBe(true);
  });

  it('does not call a waiver unused where the rules could not read', async () => {
    const waiver = (name: string) => `      # dbfence-ignore integration-owner reason="vendor-managed"\n      - name: ${name}\n`;
    const waived = FILE.replace('      - name: metabase\n', waiver('metabase')).replace('      - name: reports\n', waiver('reports'));
    const broken = await lint(waived);
    expect(broken.filter((finding) => finding.ruleId === 'unused-waiver')).toEqual([]);
    expect(broken.filter((finding) => finding.ruleId === 'integration-owner').map((finding) => finding.path)).toEqual(['databases[0].integrations[1]', 'databases[0].integrations[2]']);
    const unused = await lint(waived.replace('      - name: etl\n', waiver('etl')).replace('name: reports\n        user: reports\n', 'name: reports\n        owner: data-team\n        user: reports\n'));
    expect(unused.filter((finding) => finding.ruleId === 'unused-waiver').map((finding) => finding.path)).toEqual(['databases[1].integrations[0]']);
  });

  it('never crashes, whatever node of the file is replaced by whatever value', async () => {
    const { ruleSet } = await loadRuleSet(undefined);
    const junk = fc.oneof(fc.constant(null), fc.string(), fc.integer(), fc.constant([]), fc.constant({}), fc.constant(['x']), fc.constant({ name: 'x' }));
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(), junk), { minLength: 1, maxLength: 3 }), (changes) => {
      const data = parse(FILE);
      for (const [pick, value] of changes) replaceNode(data, pick, value);
      const { findings } = lintDocument(parseYaml('endpoints.yaml', stringify(data)), ruleSet, { today: '2026-01-01' });
      // Findings only ever point into the file, and a file the schema rejects is never passed.
      expect(findings.every((finding) => finding.line >= 1)).toBe(true);
      if (checkSchema(data).length > 0) expect(findings.some((finding) => finding.ruleId === 'schema')).toBe(true);
    }), { numRuns: 300 });
  });
});

/** Replaces the node at position `pick` (in a walk of every node below the root) by `value`. */
function replaceNode(root: unknown, pick: number, value: unknown): void {
  const slots: [Record<string | number, unknown>, string | number][] = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const key of Object.keys(node)) {
      const at = Array.isArray(node) ? Number(key) : key;
      slots.push([node as Record<string | number, unknown>, at]);
      walk((node as Record<string | number, unknown>)[at]);
    }
  };
  walk(root);
  const [parent, key] = slots[pick % slots.length]!;
  parent[key] = structuredClone(value);
}
