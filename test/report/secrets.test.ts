import { describe, expect, it } from 'vitest';
import { buildRuleSet, lintDocument } from '../../src/lint/engine.js';
import { createRule } from '../../src/lint/rule.js';
import { parseYaml } from '../../src/model/parse.js';
import { FORMATS, render } from '../../src/report/index.js';
import { maskSecretsInLine } from '../../src/report/redact.js';
import { stylish } from '../../src/report/stylish.js';
import { fileWith, finding, HEADER, input, linted, PEM_BEGIN, PEM_BODY, PEM_END } from './helpers.js';

const PASSWORD = 'hunter2-Tr0ub4dor';

const INLINE_PASSWORD = `${HEADER}databases:
  - name: orders
    engine: postgresql
    endpoints:
      - name: orders-private
        exposure: private
        allowedAccounts: ["123456789012"]
    integrations:
      - name: metabase
        owner: data@example.com
        user: metabase_ro
        endpoint: orders-private
        tls: { verify: full }
        keepalive: 5m
        credentials:
          password: ${PASSWORD}
`;

const PEM_KEY = `version: 1
provider:
  kind: postgres
  adminUrl: { fromEnv: DBFENCE_PG_ADMIN_URL }
  ca:
    certificate: { fromEnv: DBFENCE_CA_CERT }
    key: |
      ${PEM_BEGIN}
      ${PEM_BODY}
      ${PEM_END}
databases: []
`;

/** A duplicate key: the parser rejects the file, so no redaction is known, and the error is on the password's line. */
const BROKEN_WITH_PASSWORD = `version: 1
provider:
  kind: postgres
  password: first
  password: ${PASSWORD}
`;

describe('secrets in reports', () => {
  it('masks an inline password in the code frame, keeping the carets under it', async () => {
    const out = stylish(input(await linted('endpoints.yaml', INLINE_PASSWORD)), { color: false });
    expect(out).toContain('no-inline-secrets');
    expect(out).not.toContain(PASSWORD);
    expect(out).toContain(`password: ${'*'.repeat(PASSWORD.length)}\n`);
    expect(out).toContain(`| ${' '.repeat(20)}${'^'.repeat(PASSWORD.length)}\n`);
  });

  it('masks a private key block', async () => {
    const out = stylish(input(await linted('endpoints.yaml', PEM_KEY)), { color: false });
    expect(out).toContain('no-inline-secrets');
    expect(out).not.toContain(PEM_BODY);
    expect(out).not.toContain('BEGIN');
  });

  it('masks a password on the line of a syntax error, where the parser marked nothing', async () => {
    const file = await linted('endpoints.yaml', BROKEN_WITH_PASSWORD);
    expect(file.findings.map((f) => [f.ruleId, f.line])).toEqual([['syntax', 5]]);
    const out = stylish(input(file), { color: false });
    expect(out).not.toContain(PASSWORD);
    expect(out).toContain(`password: ${'*'.repeat(PASSWORD.length)}`);
  });

  it('masks key material on a quoted line the parser could not read', () => {
    const out = stylish(input(fileWith([finding({ line: 2, column: 1, endLine: 2, endColumn: 2 })], `key: |\n  ${PEM_BODY}\n`)), { color: false });
    expect(out).not.toContain(PEM_BODY);
  });

  it('reaches no report format', async () => {
    const files = await Promise.all([linted('a.yaml', INLINE_PASSWORD), linted('b.yaml', PEM_KEY), linted('c.yaml', BROKEN_WITH_PASSWORD)]);
    for (const format of FORMATS) {
      const out = render(format, input(...files), { color: true });
      expect(out, format).not.toContain(PASSWORD);
      expect(out, format).not.toContain(PEM_BODY);
    }
  });
});

/** A GitHub token, built at run time so that no source file holds one for secret scanners to stop on. */
const GITHUB_TOKEN = ['gh', 'p_', 'A1b2C3d4'.repeat(5)].join('');
const URL_PASSWORD = 'S3cretPw';

/** Secrets pasted where the schema expects something else: the schema's messages quote the value they reject. */
const SECRETS_IN_WRONG_PLACES = `${HEADER}databases:
  - name: orders
    engine: postgresql
    endpoints:
      - name: orders-public
        exposure: public
        hostname: "postgres://admin:${URL_PASSWORD}@db.example.com/x"
        port: 5432
        allow:
          - cidr: ${GITHUB_TOKEN}
    integrations: []
`;

describe('secrets in messages', () => {
  it('never quotes a value that fails the schema and looks like a secret, in any format', async () => {
    const file = await linted('endpoints.yaml', SECRETS_IN_WRONG_PLACES);
    const schema = file.findings.filter((f) => f.ruleId === 'schema').map((f) => [f.path, f.message]);
    expect(schema).toEqual([
      ['databases[0].endpoints[0].hostname', expect.stringMatching(/^a value that looks like a URL with a password \(not shown\) is not a valid value \(Hostname\)/)],
      ['databases[0].endpoints[0].allow[0].cidr', expect.stringMatching(/^a value that looks like a GitHub token \(not shown\) is not a valid value \(CIDR\)/)],
    ]);
    expect(file.findings.filter((f) => f.ruleId === 'no-inline-secrets')).toHaveLength(2);
    for (const format of FORMATS) {
      const out = render(format, input(file), { color: false });
      expect(out, format).not.toContain(URL_PASSWORD);
      expect(out, format).not.toContain(GITHUB_TOKEN);
    }
  });

  it('masks the file\'s secrets in any message, even one written to quote them', async () => {
    const careless = createRule({
      id: 'quotes-everything',
      severity: 'error',
      rationale: 'A test rule that forgets quoteValue.',
      description: 'Quotes values raw.',
      robust: true,
      check({ config, report }) {
        const credentials = (config as unknown as { databases: { integrations: { credentials: { password: string } }[] }[] })
          .databases[0]!.integrations[0]!.credentials;
        report({ path: ['databases', 0], message: `the password is ${JSON.stringify(credentials.password)}, or ${credentials.password}` });
      },
    });
    const ruleSet = buildRuleSet(new Map());
    ruleSet.rules.push({ rule: careless, severity: 'error', options: {} });
    const file = lintDocument(parseYaml('endpoints.yaml', INLINE_PASSWORD.replace(PASSWORD, `"${PASSWORD}\\\""`)), ruleSet);
    const message = file.findings.find((f) => f.ruleId === 'quotes-everything')!.message;
    expect(message).toBe('the password is "********", or ********');
  });
});

describe('maskSecretsInLine', () => {
  it.each([
    ['  password: hunter2', '  password: *******'],
    ['  - password: "hunter 2" # old', '  - password: ****************'],
    ["  'token': abc", "  'token': ***"],
    ['  adminUrl: postgres://admin:S3cret@db.example.com/postgres', `  adminUrl: ${'*'.repeat(47)}`],
    ['  - postgres://admin:S3cret@db.example.com/postgres', `  - ${'*'.repeat(47)}`],
    ['  credentials: { password: hunter2, rotateEvery: 90d }', `  credentials: ${'*'.repeat(39)}`],
    [`    key: ${PEM_BEGIN}`, `    key: ${'*'.repeat(PEM_BEGIN.length)}`],
    [`      ${PEM_BODY}`, `      ${'*'.repeat(PEM_BODY.length)}`],
  ])('masks %j', (line, masked) => {
    expect(maskSecretsInLine(line)).toBe(masked);
  });

  it.each([
    '  password: { fromEnv: METABASE_DB_PASSWORD }',
    '  password: ""',
    '          - cidr: 0.0.0.0/0',
    '        hostname: orders.db.example.com',
    '        allowedAccounts: ["123456789012"]',
    '  - table: analytics_events_by_customer_and_region_daily',
    '# dbfence-ignore no-world-open reason="public demo, ticket OPS-1"',
  ])('leaves %j as it is', (line) => {
    expect(maskSecretsInLine(line)).toBe(line);
  });
});
