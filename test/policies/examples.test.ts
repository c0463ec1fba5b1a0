import { beforeAll, describe, expect, test } from 'vitest';
import type { RuleSet } from '../../src/lint/engine.js';
import { CLEAN, edit, EXAMPLE_POLICIES, lintText, positionOf, REPO_ROOT, ruleSetFrom, runCli } from './helpers.js';

let examples: RuleSet;
beforeAll(async () => {
  examples = await ruleSetFrom(EXAMPLE_POLICIES);
});

/** The findings of one rule; custom rules run only on files that pass the schema, so a fixture must. */
function only(ruleId: string, text: string) {
  const findings = lintText(text, examples);
  expect(findings.filter((finding) => finding.ruleId === 'schema' || finding.ruleId === 'syntax')).toEqual([]);
  return findings.filter((finding) => finding.ruleId === ruleId);
}

test('the README command lints the shipped example with examples/policies/ (found beside it) and finds nothing', async () => {
  const result = await runCli(['lint', 'examples/endpoints.yaml'], REPO_ROOT);
  expect(result).toMatchObject({ status: 0, stderr: '' });
  expect(result.stdout).toContain('no problems');
});

test('the small fixture the policy tests start from is clean under the example policies', () => {
  expect(lintText(CLEAN, examples)).toEqual([]);
});

describe('example rule public-allow-narrow (cidrFamily, cidrMaxAddresses, cidrMinPrefixLength)', () => {
  test('fires on the allow entry of a public endpoint wider than a /24, at its cidr', () => {
    const bad = edit(CLEAN, ['cidr: 34.90.0.0/28', 'cidr: 34.90.0.0/23']);
    expect(only('public-allow-narrow', bad)).toEqual([expect.objectContaining({
      severity: 'error',
      path: 'databases[0].endpoints[0].allow[1].cidr',
      ...positionOf(bad, '34.90.0.0/23'),
      message: expect.stringContaining('at most an IPv4 /24 or an IPv6 /56'),
    })]);
  });

  test('accepts a /24 exactly, and an IPv6 /56', () => {
    const good = edit(CLEAN, ['cidr: 34.90.0.0/28', 'cidr: 34.90.0.0/24'], ['cidr: 52.20.10.10/32', 'cidr: 2001:db8:ab00::/56']);
    expect(only('public-allow-narrow', good)).toEqual([]);
  });

  test('fires on an IPv6 /48 on a public endpoint', () => {
    const bad = edit(CLEAN, ['cidr: 52.20.10.10/32', 'cidr: 2600:1f18:4000::/48']);
    expect(only('public-allow-narrow', bad)).toEqual([expect.objectContaining({
      path: 'databases[0].endpoints[0].allow[0].cidr', ...positionOf(bad, '2600:1f18:4000::/48'),
    })]);
  });

  test('stays silent on a private endpoint (its where clause), whatever its allow entries', () => {
    const privateEndpoint = edit(CLEAN,
      ['exposure: public', 'exposure: private\n        allowedAccounts: ["123456789012"]'],
      ['cidr: 34.90.0.0/28', 'cidr: 34.90.0.0/20']);
    expect(only('public-allow-narrow', privateEndpoint)).toEqual([]);
  });
});

describe('example rule integration-registered-egress (cidrInside)', () => {
  test('fires on the from entry outside the registered ranges, at that entry', () => {
    const bad = edit(CLEAN, ['from: [52.20.10.10/32]', 'from: [52.20.10.10/32, 18.203.4.9/32]']);
    expect(only('integration-registered-egress', bad)).toEqual([expect.objectContaining({
      severity: 'error',
      path: 'databases[0].integrations[0].from[1]',
      ...positionOf(bad, '18.203.4.9/32'),
    })]);
  });

  test('fires on a from entry only partly inside a registered range', () => {
    const bad = edit(CLEAN, ['from: [52.20.10.10/32]', 'from: [52.20.10.0/23]']);
    expect(only('integration-registered-egress', bad)).toEqual([expect.objectContaining({ path: 'databases[0].integrations[0].from[0]' })]);
  });

  test('accepts any address or range inside the registered ones', () => {
    const good = edit(CLEAN, ['from: [52.20.10.10/32]', 'from: [52.20.10.10/32, 34.90.0.0/28]']);
    expect(only('integration-registered-egress', good)).toEqual([]);
  });
});

describe('example pack team.yaml', () => {
  test('raises integration-owner from warning to error', () => {
    const bad = edit(CLEAN, ['        owner: data-platform@example.com\n', '']);
    expect(only('integration-owner', bad)).toEqual([expect.objectContaining({
      severity: 'error', path: 'databases[0].integrations[0]', ...positionOf(bad, 'name: metabase'),
    })]);
  });

  test('narrows allowlist-breadth to 4096 IPv4 addresses (a /20) and keeps its severity', () => {
    const atLimit = edit(CLEAN, ['cidr: 34.90.0.0/28', 'cidr: 34.90.0.0/20']);
    const over = edit(CLEAN, ['cidr: 34.90.0.0/28', 'cidr: 34.90.0.0/19']);
    expect(only('allowlist-breadth', atLimit)).toEqual([]);
    expect(only('allowlist-breadth', over)).toEqual([expect.objectContaining({
      severity: 'error', path: 'databases[0].endpoints[0].allow[1].cidr', ...positionOf(over, '34.90.0.0/19'),
    })]);
  });
});
