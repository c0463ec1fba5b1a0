/**
 * Good and bad examples of every rule. As in trivy-checks, one set of examples
 * feeds both the tests (`test/rules/`) and the rule pages
 * (`scripts/gen-rule-docs.mjs` → `docs/rules/<id>.md`), so a documented
 * example is always a tested one.
 *
 * One file per rule id, `src/lint/rules/examples/<id>.yaml`:
 *
 *     good:                           # the rule reports nothing here
 *       - title: One address per client
 *         yaml: |                     # a fragment of endpoints.yaml
 *           databases: …
 *         findings: []                # optional: every finding other rules still make (usually none)
 *     bad:                            # the rule reports exactly `findings`
 *       - title: The whole IPv4 internet
 *         options: { … }              # optional: the rule's options, over the built-in pack's
 *         yaml: |
 *           databases: …
 *         findings:
 *           - { path: "databases[0].endpoints[0].allow[0].cidr", line: 12, column: 19 }
 *           - { ruleId: schema, path: "…", line: 12, column: 19 }   # another check's finding
 *
 * For a bad example, the findings of its rule, of `syntax` and `schema`, and
 * of any rule it names are compared; others (allowlist-breadth beside
 * no-world-open on 0.0.0.0/0) belong to other examples files.
 *
 * A fragment becomes a whole file by putting the shared header (BASE_BLOCKS)
 * in front of it:
 *
 *     version: 1
 *     provider:
 *       kind: postgres
 *       adminUrl: { fromEnv: DBFENCE_PG_ADMIN_URL }
 *
 * A fragment with a top-level `version` or `provider` of its own replaces that
 * part of the header (e.g. `provider: { kind: aptible, … }`). `line` and
 * `column` are positions in that rendered file, as a user of the example would
 * see them: below the full header, the fragment's first line is line 5.
 *
 * Examples are linted with the built-in pack (every rule on), with waivers
 * judged as of EXAMPLES_TODAY so that dated examples never expire.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseDocument } from 'yaml';
import { parseYaml } from '../../../model/parse.js';
import { buildRuleSet, lintDocument } from '../../engine.js';
import type { Finding } from '../../finding.js';
import { loadBuiltinPack } from '../../policies/load.js';
import { mergePacks, type Pack } from '../../policies/pack.js';

/** The repository's root: this module runs from src/ (tests) or lib/ (the docs generator), both one level down. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const EXAMPLES_DIR = join(REPOSITORY_ROOT, 'src', 'lint', 'rules', 'examples');

/** The date waivers in examples are judged against. */
export const EXAMPLES_TODAY = '2026-06-01';

/** The header every fragment is rendered under, one top-level key per block. */
const BASE_BLOCKS: readonly { key: string; text: string }[] = [
  { key: 'version', text: 'version: 1\n' },
  { key: 'provider', text: 'provider:\n  kind: postgres\n  adminUrl: { fromEnv: DBFENCE_PG_ADMIN_URL }\n' },
];

export interface ExpectedFinding {
  ruleId: string;
  path: string;
  line: number;
  column: number;
}

export interface RuleExample {
  title: string;
  /** The fragment as written in the examples file. */
  yaml: string;
  /** Options of the rule for this example, over the built-in pack's. */
  options: Record<string, unknown> | undefined;
  /** What the rule reports; for a good example, what other rules report (usually nothing). */
  findings: ExpectedFinding[];
}

export interface RuleExamples {
  ruleId: string;
  good: RuleExample[];
  bad: RuleExample[];
}

/** The rule ids that have an examples file, sorted. */
export function exampleRuleIds(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort();
}

export function loadRuleExamples(ruleId: string): RuleExamples {
  const file = join(EXAMPLES_DIR, `${ruleId}.yaml`);
  const data = parse(readFileSync(file, 'utf8')) as { good?: unknown; bad?: unknown } | null;
  const fail = (problem: string): never => {
    throw new Error(`${file}: ${problem}`);
  };
  const read = (list: unknown, kind: 'good' | 'bad'): RuleExample[] => {
    if (!Array.isArray(list) || list.length === 0) return fail(`needs a non-empty "${kind}" list`);
    return list.map((raw: Record<string, unknown>, i) => {
      const where = `${kind}[${i}]`;
      if (typeof raw?.title !== 'string' || typeof raw.yaml !== 'string') fail(`${where} needs a title and a yaml fragment`);
      const listed: unknown = raw.findings ?? [];
      if (!Array.isArray(listed)) fail(`${where}: findings must be a list`);
      const findings = (listed as Partial<ExpectedFinding>[]).map((finding) => ({ ruleId, ...finding }) as ExpectedFinding);
      if (kind === 'bad' && findings.length === 0) fail(`${where} (${String(raw.title)}) lists no findings`);
      if (kind === 'good' && findings.some((finding) => finding.ruleId === ruleId)) {
        fail(`${where} (${String(raw.title)}) is good but lists a finding of ${ruleId}`);
      }
      for (const finding of findings) {
        if (typeof finding.path !== 'string' || !Number.isInteger(finding.line) || !Number.isInteger(finding.column)) {
          fail(`${where} has a finding without path, line and column`);
        }
      }
      return { title: raw.title as string, yaml: raw.yaml as string, options: raw.options as Record<string, unknown> | undefined, findings };
    });
  };
  return { ruleId, good: read(data?.good, 'good'), bad: read(data?.bad, 'bad') };
}

/** The whole file an example stands for: the shared header, then the fragment. */
export function renderExample(example: Pick<RuleExample, 'yaml'>): string {
  return headerOf(example) + example.yaml;
}

function headerOf(example: Pick<RuleExample, 'yaml'>): string {
  const own = fragmentKeys(example.yaml);
  return BASE_BLOCKS.filter((block) => !own.has(block.key)).map((block) => block.text).join('');
}

function fragmentKeys(fragment: string): Set<string> {
  const contents = parseDocument(fragment).contents as { items?: { key?: { value?: unknown } }[] } | null;
  return new Set((contents?.items ?? []).map((pair) => String(pair.key?.value)));
}

/** Lints an example as `dbfence lint` would: the built-in pack, with the example's options for its rule. */
export function lintExample(ruleId: string, example: Pick<RuleExample, 'yaml' | 'options'>): Finding[] {
  const packs: Pack[] = [loadBuiltinPack()];
  if (example.options) packs.push({ kind: 'pack', rules: { [ruleId]: { options: example.options } } });
  const ruleSet = buildRuleSet(mergePacks(packs));
  const name = `examples/${ruleId}.yaml`;
  return lintDocument(parseYaml(name, renderExample(example)), ruleSet, { today: EXAMPLES_TODAY }).findings;
}

export interface WaivedExample {
  /** The fragment with the waiver comment. */
  yaml: string;
  options: Record<string, unknown> | undefined;
  /** The finding the waiver silences. */
  waived: ExpectedFinding;
}

/**
 * The shortest bad example of a rule, with a waiver of its first finding on the
 * line above that finding's node: what the rule's page shows under "Waiving a
 * finding", checked by the tests like any other example.
 */
export function waivedExample(examples: RuleExamples): WaivedExample {
  const { ruleId } = examples;
  const lineCount = (example: RuleExample) => example.yaml.split('\n').length;
  const example = [...examples.bad].sort((a, b) => lineCount(a) - lineCount(b))[0]!;
  const waived = example.findings.find((finding) => finding.ruleId === ruleId)!;
  const lines = example.yaml.split('\n');
  const at = waived.line - headerOf(example).split('\n').length;
  const indent = /^ */.exec(lines[at] ?? '')![0];
  lines.splice(at, 0, `${indent}# dbfence-ignore ${ruleId} until=2027-03-31 reason="accepted by the security team, ticket SEC-123"`);
  return { yaml: lines.join('\n'), options: example.options, waived };
}
