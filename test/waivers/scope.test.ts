import { beforeAll, describe, expect, test } from 'vitest';
import type { RuleSet } from '../../src/lint/engine.js';
import { lintDocument } from '../../src/lint/engine.js';
import { parseYaml } from '../../src/model/parse.js';
import { CLEAN, edit, EXAMPLE_POLICIES, lintText, positionOf, ruleSetFrom, TODAY } from '../policies/helpers.js';
import { above, fired } from './helpers.js';

let builtin: RuleSet;
beforeAll(async () => {
  builtin = await ruleSetFrom();
});

/** metabase: no owner, INSERT while read-only, no certificate check; a second read-only integration also granted INSERT. */
const BAD = `${edit(CLEAN,
  ['        owner: data-platform@example.com\n', ''],
  ['privileges: [SELECT]', 'privileges: [SELECT, INSERT]'],
  ['verify: full', 'verify: none'])}      - name: fivetran
        owner: data-platform@example.com
        user: fivetran_ro
        endpoint: orders-public
        from: [34.90.0.0/28]
        grants:
          - table: analytics.events
            privileges: [SELECT, INSERT]
        tls:
          verify: full
        keepalive: 5m
        credentials:
          password: { fromEnv: FIVETRAN_DB_PASSWORD }
`;

const METABASE = 'databases[0].integrations[0]';
const FIVETRAN = 'databases[0].integrations[1]';

test('without waivers, the fixture has these findings', () => {
  expect(fired(lintText(BAD, builtin))).toEqual([
    ['integration-owner', METABASE],
    ['read-only-grants', `${METABASE}.grants[0].privileges[1]`],
    ['tls-verify-full', `${METABASE}.tls.verify`],
    ['read-only-grants', `${FIVETRAN}.grants[0].privileges[1]`],
  ]);
});

describe('a waiver covers the node on the next line and everything inside it', () => {
  test('on an integration: the named rule is waived anywhere inside it, other rules and other integrations are not', () => {
    const text = above(BAD, '- name: metabase', '# dbfence-ignore read-only-grants reason="writes its own staging tables, ticket OPS-412"');
    const result = lintDocument(parseYaml('endpoints.yaml', text), builtin, { today: TODAY });
    expect(fired(result.findings)).toEqual([
      ['integration-owner', METABASE],
      ['tls-verify-full', `${METABASE}.tls.verify`],
      ['read-only-grants', `${FIVETRAN}.grants[0].privileges[1]`],
    ]);
    expect(result.waived).toBe(1);
  });

  test('on a grant', () => {
    const text = above(BAD, '- table: analytics.events', '# dbfence-ignore read-only-grants reason="loads events, ticket OPS-9"');
    expect(fired(lintText(text, builtin))).not.toContainEqual(['read-only-grants', `${FIVETRAN}.grants[0].privileges[1]`]);
    expect(fired(lintText(text, builtin))).toContainEqual(['read-only-grants', `${METABASE}.grants[0].privileges[1]`]);
  });

  test('on an allow entry, and only that entry', () => {
    const wide = edit(CLEAN, ['cidr: 52.20.10.10/32', 'cidr: 52.20.0.0/15'], ['cidr: 34.90.0.0/28', 'cidr: 34.90.0.0/15'],
      ['from: [52.20.10.10/32]', 'from: [52.20.10.10/32, 34.90.0.1/32]']);
    expect(fired(lintText(wide, builtin))).toEqual([
      ['allowlist-breadth', 'databases[0].endpoints[0].allow[0].cidr'],
      ['allowlist-breadth', 'databases[0].endpoints[0].allow[1].cidr'],
    ]);
    const text = above(wide, '- cidr: 34.90.0.0/15', '# dbfence-ignore allowlist-breadth reason="Fivetran publishes only this range"');
    expect(fired(lintText(text, builtin))).toEqual([['allowlist-breadth', 'databases[0].endpoints[0].allow[0].cidr']]);
  });

  test('on a key: the mapping under it', () => {
    const text = above(BAD, 'tls:\n          verify: none', '# dbfence-ignore tls-verify-full reason="the driver cannot verify; replacement in Q3"');
    expect(fired(lintText(text, builtin))).not.toContainEqual(['tls-verify-full', `${METABASE}.tls.verify`]);
  });

  test('plain comments and blank lines between the waiver and the node do not break it', () => {
    const text = above(BAD, '- name: metabase', '# dbfence-ignore integration-owner reason="owner being hired"\n\n      # (metabase is the BI tool)');
    expect(fired(lintText(text, builtin))).not.toContainEqual(['integration-owner', METABASE]);
  });
});

describe('one waiver, several rules', () => {
  test('a comma-separated list waives each rule named', () => {
    const text = above(BAD, '- name: metabase', '# dbfence-ignore read-only-grants,tls-verify-full reason="legacy ETL, retired by 2027"');
    expect(fired(lintText(text, builtin))).toEqual([
      ['integration-owner', METABASE],
      ['read-only-grants', `${FIVETRAN}.grants[0].privileges[1]`],
    ]);
  });

  test('stacked waivers above one node both apply', () => {
    const text = above(BAD, '- name: metabase',
      '# dbfence-ignore read-only-grants reason="staging tables"\n      # dbfence-ignore tls-verify-full reason="old driver"');
    expect(fired(lintText(text, builtin))).toEqual([
      ['integration-owner', METABASE],
      ['read-only-grants', `${FIVETRAN}.grants[0].privileges[1]`],
    ]);
  });

  test('a named rule that waives nothing is reported as unused, at the comment', () => {
    const text = above(BAD, '- name: fivetran', '# dbfence-ignore read-only-grants,tls-verify-full reason="loads events"');
    const unused = lintText(text, builtin).filter((finding) => finding.ruleId === 'unused-waiver');
    expect(unused).toEqual([expect.objectContaining({
      severity: 'warning', path: FIVETRAN, ...positionOf(text, '# dbfence-ignore read-only-grants,tls'),
      message: 'this waiver of tls-verify-full waives no finding: remove that id from it',
    })]);
  });
});

test('a custom rule is waived by its id', async () => {
  const examples = await ruleSetFrom(EXAMPLE_POLICIES);
  const outside = edit(CLEAN,
    ['description: Metabase egress NAT', 'description: Metabase egress NAT\n          - cidr: 18.203.4.9/32\n            description: contractor VPN'],
    ['from: [52.20.10.10/32]', 'from: [52.20.10.10/32, 18.203.4.9/32]']);
  expect(fired(lintText(outside, examples))).toEqual([['integration-registered-egress', `${METABASE}.from[1]`]]);
  const waived = above(outside, '- name: metabase', '# dbfence-ignore integration-registered-egress until=2026-09-30 reason="contractor audit, SEC-230"');
  expect(lintText(waived, examples)).toEqual([]);
});
