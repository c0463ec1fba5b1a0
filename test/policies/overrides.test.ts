import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadPolicyDirectory } from '../../src/lint/policies/load.js';
import { BUILTIN_RULES, PLAN_RULES } from '../../src/lint/rules/index.js';
import { CLEAN, edit, folderWith, lintText, positionOf, removeFolders, REPO_ROOT, ruleSetFrom } from './helpers.js';

afterAll(removeFolders);

/** Lints `text` with a policies folder holding `files`, and returns the findings of one rule. */
async function findingsOf(ruleId: string, text: string, files: Record<string, string>) {
  const findings = lintText(text, await ruleSetFrom(folderWith(files)));
  expect(findings.filter((finding) => finding.ruleId === 'schema')).toEqual([]);
  return findings.filter((finding) => finding.ruleId === ruleId);
}

const ADMIN_USER = edit(CLEAN, ['user: metabase_ro', 'user: postgres']);
const NO_OWNER = edit(CLEAN, ['        owner: data-platform@example.com\n', '']);
const SLASH_23 = edit(CLEAN, ['cidr: 34.90.0.0/28', 'cidr: 34.90.0.0/23']);

const NARROW_ALLOW = `kind: rule
id: narrow-allow
severity: error
message: allow entries admit at most 256 addresses
target: allow-entry
assert:
  properties:
    cidr: { cidrMaxAddresses: 256 }
`;

describe('packs override the built-in pack', () => {
  test('without a policies folder, the built-in severities apply', async () => {
    expect(lintText(NO_OWNER, await ruleSetFrom()).map((f) => [f.ruleId, f.severity])).toEqual([['integration-owner', 'warning']]);
  });

  test('severity off turns a built-in rule off', async () => {
    expect(await findingsOf('no-admin-credential', ADMIN_USER, { 'team.yaml': 'kind: pack\nrules:\n  no-admin-credential: off\n' })).toEqual([]);
  });

  test('severity warning lowers a built-in error, keeping where it points', async () => {
    const findings = await findingsOf('no-admin-credential', ADMIN_USER, { 'team.yaml': 'kind: pack\nrules:\n  no-admin-credential: warning\n' });
    expect(findings).toEqual([expect.objectContaining({ severity: 'warning', path: 'databases[0].integrations[0].user', ...positionOf(ADMIN_USER, 'postgres', ADMIN_USER.indexOf('user: postgres')) })]);
  });

  test('an option override changes what the rule accepts and keeps its severity', async () => {
    const pack = { 'team.yaml': 'kind: pack\nrules:\n  allowlist-breadth:\n    options: { ipv4MaxAddresses: 256 }\n' };
    expect(await findingsOf('allowlist-breadth', SLASH_23, pack)).toEqual([
      expect.objectContaining({ severity: 'error', path: 'databases[0].endpoints[0].allow[1].cidr', ...positionOf(SLASH_23, '34.90.0.0/23') }),
    ]);
    expect(await findingsOf('allowlist-breadth', edit(CLEAN, ['cidr: 34.90.0.0/28', 'cidr: 34.90.0.0/24']), pack)).toEqual([]);
  });

  test('a list option adds to what the rule knows: a house superuser is an administrative credential', async () => {
    const houseAdmin = edit(CLEAN, ['user: metabase_ro', 'user: acme_dba']);
    expect(await findingsOf('no-admin-credential', houseAdmin, {})).toEqual([]);
    expect(await findingsOf('no-admin-credential', houseAdmin, { 'team.yaml': 'kind: pack\nrules:\n  no-admin-credential:\n    options: { users: [acme_dba] }\n' }))
      .toEqual([expect.objectContaining({ path: 'databases[0].integrations[0].user' })]);
  });

  test('packs apply in file-name order, the later one winning, and options merge key by key', async () => {
    const files = {
      'a-base.yaml': 'kind: pack\nrules:\n  allowlist-breadth: { severity: warning, options: { ipv4MaxAddresses: 256 } }\n',
      'b-strict.yaml': 'kind: pack\nrules:\n  allowlist-breadth: { options: { ipv6MinPrefixLength: 56 } }\n',
      'c-final.yaml': 'kind: pack\nrules:\n  allowlist-breadth: error\n',
    };
    expect(await findingsOf('allowlist-breadth', SLASH_23, files)).toEqual([expect.objectContaining({ severity: 'error' })]);
    const v6 = edit(CLEAN, ['cidr: 34.90.0.0/28', 'cidr: 2600:1f18:4000::/52']);
    expect(await findingsOf('allowlist-breadth', v6, files)).toEqual([expect.objectContaining({ path: 'databases[0].endpoints[0].allow[1].cidr' })]);
  });
});

describe('custom rules', () => {
  test('fire at their declared severity, at the deepest failing node', async () => {
    expect(await findingsOf('narrow-allow', SLASH_23, { 'narrow.yaml': NARROW_ALLOW })).toEqual([expect.objectContaining({
      severity: 'error', message: 'allow entries admit at most 256 addresses',
      path: 'databases[0].endpoints[0].allow[1].cidr', ...positionOf(SLASH_23, '34.90.0.0/23'),
    })]);
  });

  test('a pack lowers a custom rule to a warning', async () => {
    const files = { 'narrow.yaml': NARROW_ALLOW, 'team.yaml': 'kind: pack\nrules:\n  narrow-allow: warning\n' };
    expect(await findingsOf('narrow-allow', SLASH_23, files)).toEqual([expect.objectContaining({ severity: 'warning' })]);
  });

  test('a pack turns a custom rule off', async () => {
    const files = { 'narrow.yaml': NARROW_ALLOW, 'team.yaml': 'kind: pack\nrules:\n  narrow-allow: off\n' };
    expect(await findingsOf('narrow-allow', SLASH_23, files)).toEqual([]);
  });

  test('a pack cannot give a custom rule options: they have none', async () => {
    const dir = folderWith({ 'narrow.yaml': NARROW_ALLOW, 'team.yaml': 'kind: pack\nrules:\n  narrow-allow: { options: { max: 1 } }\n' });
    await expect(ruleSetFrom(dir)).rejects.toThrow('rules.narrow-allow: this rule takes no options');
  });

  test('a missing required property is reported at the target node itself', async () => {
    const rule = NARROW_ALLOW.replace(/assert:[^]*$/, 'assert:\n  required: [description]\n').replace('narrow-allow', 'allow-described');
    const bare = edit(CLEAN, ['            description: Fivetran us-east\n', '']);
    expect(await findingsOf('allow-described', bare, { 'described.yaml': rule })).toEqual([expect.objectContaining({
      path: 'databases[0].endpoints[0].allow[1]', ...positionOf(bare, 'cidr: 34.90.0.0/28'),
    })]);
  });

  test('a grant rule reaches each grant of each integration', async () => {
    const rule = `kind: rule
id: no-schema-wide-grants
severity: warning
message: grant tables one by one, not a whole schema
target: grant
assert:
  properties:
    table: { not: { pattern: "\\\\.\\\\*$" } }
`;
    const wide = edit(CLEAN, ['table: public.orders', 'table: public.*']);
    expect(await findingsOf('no-schema-wide-grants', wide, { 'grants.yaml': rule })).toEqual([expect.objectContaining({
      severity: 'warning', path: 'databases[0].integrations[0].grants[0].table', ...positionOf(wide, 'public.*'),
    })]);
    expect(await findingsOf('no-schema-wide-grants', CLEAN, { 'grants.yaml': rule })).toEqual([]);
  });

  test('a cidr keyword on a whole list fails closed instead of passing every integration', async () => {
    const misplaced = `kind: rule
id: egress
severity: error
message: connect from the office only
target: integration
assert:
  properties:
    from: { cidrInside: [52.20.10.0/24] }
`;
    expect(await findingsOf('egress', CLEAN, { 'egress.yaml': misplaced })).toEqual([expect.objectContaining({ path: 'databases[0].integrations[0].from' })]);
  });
});

test('the built-in pack is itself a valid policy file naming every lint and plan rule', async () => {
  const { packs, rules } = await loadPolicyDirectory(join(REPO_ROOT, 'policies'), BUILTIN_RULES);
  expect(rules).toEqual([]);
  expect(Object.keys(packs[0]!.rules).sort()).toEqual([...BUILTIN_RULES.map((rule) => rule.meta.id), ...PLAN_RULES.map((meta) => meta.id)].sort());
});
