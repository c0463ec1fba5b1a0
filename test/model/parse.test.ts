import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRuleSet, lintDocument } from '../../src/lint/engine.js';
import { loadBuiltinPack } from '../../src/lint/policies/load.js';
import { mergePacks } from '../../src/lint/policies/pack.js';
import { CHUNKED_PARSE_MIN_LENGTH, DEFAULT_PARSE_LIMITS, parseYaml } from '../../src/model/parse.js';

const ruleSet = buildRuleSet(mergePacks([loadBuiltinPack()]));

/** Lints text as the CLI does and returns what a user sees: rule, line, column, message. */
function lint(text: string) {
  return lintDocument(parseYaml('endpoints.yaml', text), ruleSet, { today: '2026-11-23' }).findings
    .map(({ ruleId, line, column, message }) => ({ ruleId, line, column, message }));
}

const HEADER = 'version: 1\nprovider:\n  kind: postgres\n  adminUrl: { fromEnv: PG_URL }\n';

describe('reading YAML that is not what it seems', () => {
  it('reports a duplicated key at the second one', () => {
    expect(lint(`${HEADER}databases: []\ndatabases: []\n`)).toMatchObject([
      { ruleId: 'syntax', line: 6, column: 1, message: expect.stringMatching(/unique.*silently replace/) },
    ]);
  });

  it('refuses aliases that expand past the limit ("billion laughs") with one finding, without running out of memory', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const findings = lint(`${HEADER}databases: []\n${levels.join('\n')}\nbomb: *i\n`);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'syntax', message: expect.stringMatching(/aliases expand to more than 10000 nodes/) });
  });

  it('expands an honest alias; a finding inside the expansion points at the text it came from', () => {
    const text = `${HEADER}databases:
  - name: orders
    engine: postgresql
    endpoints:
      - name: orders-public
        exposure: public
        allow: &office
          - cidr: 0.0.0.0/0
      - name: reports-public
        exposure: public
        allow: *office
`;
    const parsed = parseYaml('endpoints.yaml', text);
    const findings = lintDocument(parsed, ruleSet, { today: '2026-11-23' }).findings.filter((f) => f.ruleId === 'no-world-open');
    expect(findings.map((f) => [f.path, f.line])).toEqual([
      ['databases[0].endpoints[0].allow[0].cidr', 12],
      ['databases[0].endpoints[1].allow[0].cidr', 12],
    ]);
  });

  it('refuses a __proto__ key instead of letting it reach an object prototype', () => {
    const findings = lint(`${HEADER}databases: []\n__proto__: { polluted: true }\n`);
    expect(findings).toMatchObject([{ ruleId: 'syntax', line: 6, column: 1, message: 'the key "__proto__" is not allowed' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports tab indentation at the tab', () => {
    expect(lint(`${HEADER}databases:\n\t- name: orders\n`)[0]).toMatchObject({ ruleId: 'syntax', line: 6, column: 1 });
  });

  it('reports an empty file, or one with comments only, as empty', () => {
    for (const text of ['', '\n\n', '# nothing yet\n']) {
      expect(lint(text)).toEqual([{ ruleId: 'syntax', line: 1, column: 1, message: 'the file is empty: it needs at least version, provider and databases' }]);
    }
  });

  it('reports a document that is a list or a scalar as a schema error, not a crash', () => {
    expect(lint('- a\n- b\n')).toMatchObject([{ ruleId: 'schema', line: 1, column: 1 }]);
    expect(lint('just text\n')).toMatchObject([{ ruleId: 'schema', line: 1, column: 1 }]);
  });
});

describe('nesting', () => {
  const DEEP = 6000;
  /** Each form nested `depth` deep under `extra:` (itself one level inside the top mapping), and the text of the level past 256. */
  const FORMS: [string, (depth: number) => string, (text: string) => number][] = [
    ['flow lists', (depth) => `extra: ${'['.repeat(depth)}${']'.repeat(depth)}`, (text) => text.indexOf('[', text.indexOf('extra:')) + 255],
    ['block lists', (depth) => `extra:\n  ${'- '.repeat(depth)}x`, (text) => text.indexOf('- ', text.indexOf('extra:')) + 255 * 2],
    ['flow mappings', (depth) => `extra: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`, (text) => text.indexOf('{', text.indexOf('extra:')) + 255 * 4],
  ];

  it.each(FORMS)('of %s thousands deep is refused as deeper than 256 levels, where the limit is passed', (_, nest, crossing) => {
    for (const depth of [DEEP, 256]) {
      const text = `${HEADER}databases: []\n${nest(depth)}\n`;
      const offset = crossing(text);
      const before = text.slice(0, offset).split('\n');
      expect(lint(text), `${depth} deep`).toEqual([{
        ruleId: 'syntax', line: before.length, column: before.at(-1)!.length + 1, message: 'the document nests deeper than 256 levels',
      }]);
    }
  });

  it.each(FORMS)('of %s 256 levels deep in all is read', (_, nest) => {
    expect(lint(`${HEADER}databases: []\n${nest(255)}\n`)).toEqual([
      expect.objectContaining({ ruleId: 'schema', message: expect.stringMatching(/^unknown property "extra"/) }),
    ]);
  });

  it('counts the levels an alias brings in', () => {
    const text = `${HEADER}databases: []\nanchor: &deep ${'['.repeat(200)}${']'.repeat(200)}\nextra: ${'['.repeat(100)}*deep${']'.repeat(100)}\n`;
    expect(lint(text)).toMatchObject([{ ruleId: 'syntax', message: 'the document nests deeper than 256 levels' }]);
  });
});

describe('node count', () => {
  const message = 'the file holds more than 1000000 YAML nodes; refusing to read it';
  /** Where the text's `index`th (from 0) occurrence of `needle` is, as line and column. */
  const position = (text: string, needle: string, index: number) => {
    let offset = -1;
    for (let i = 0; i <= index; i++) offset = text.indexOf(needle, offset + 1);
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, column: before.at(-1)!.length + 1 };
  };

  it.each([
    // The list's `[` is the first node, so the 1,000,000th `a` passes the limit.
    ['a flow list of tiny items', `[${Array(1_000_001).fill('a').join(',')}]`, 'a', 999_999],
    ['flow lists opened a million deep', '['.repeat(1_000_001), '[', 1_000_000],
    ['a block list of empty items', '-\n'.repeat(1_000_001), '-', 1_000_000],
  ])('past a million, in %s, is refused with one finding where the limit is passed', (_, text, needle, index) => {
    expect(lint(text)).toEqual([{ ruleId: 'syntax', ...position(text, needle, index), message }]);
  });

  it('is counted over the whole file when it is parsed one database at a time', () => {
    const text = largeFile(300);
    expect(text.length).toBeGreaterThan(CHUNKED_PARSE_MIN_LENGTH);
    expect(parseYaml('endpoints.yaml', text).problems).toEqual([]);
    const { problems } = parseYaml('endpoints.yaml', text, { ...DEFAULT_PARSE_LIMITS, maxNodes: 5000 });
    expect(problems).toMatchObject([{ message: 'the file holds more than 5000 YAML nodes; refusing to read it' }]);
    // Past the list, at the top level: not parsed there at all.
    expect(lint(largeFile(300, `extra: [${Array(1_000_000).fill('a').join(',')}]\n`))).toMatchObject([{ ruleId: 'syntax', message }]);
  });
});

/** A valid file of `count` databases, each with an endpoint and an integration. */
function largeFile(count: number, extra = ''): string {
  const items = Array.from({ length: count }, (_, d) => `  - name: db${d}
    engine: postgresql
    endpoints:
      - name: db${d}-public
        exposure: public
        hostname: db${d}.example.com
        allow:
          - cidr: 11.0.${d % 250}.0/24
            description: "client # ${d}"
    integrations:
      - name: db${d}-bi
        owner: data@example.com
        user: db${d}_bi
        endpoint: db${d}-public
        from: [11.0.${d % 250}.7/32]
        tls: { verify: full }
        keepalive: 5m
        grants:
          - { table: public.orders, privileges: [SELECT] }
`).join('');
  return `${HEADER}defaults:\n  idleTimeout: 60m\ndatabases:\n${items}${extra}`;
}

describe('large files, parsed one database at a time', () => {
  it('give exactly what one parse gives: the same data, and every node at the same place', () => {
    const text = largeFile(1500);
    expect(text.length).toBeGreaterThan(CHUNKED_PARSE_MIN_LENGTH);
    const chunked = parseYaml('endpoints.yaml', text);
    // The same text behind a directive, which the chunker refuses: one ordinary parse.
    const prefix = '%YAML 1.2\n---\n';
    const whole = parseYaml('endpoints.yaml', `${prefix}${text}`);
    expect(chunked.data).toEqual(whole.data);
    const places = (parsed: typeof chunked, shift: number) =>
      [...parsed.locations.walk(parsed.data)].map(({ path, range }) => `${path.join('.')}@${range.keyStart - shift}-${range.valueEnd - shift}`);
    const wholePlaces = places(whole, prefix.length);
    expect(places(chunked, 0)).toEqual(wholePlaces);
  });

  it('report findings at the same lines and columns as a small file would', () => {
    const text = largeFile(1500).replace('          - cidr: 11.0.7.0/24', '          - cidr: 0.0.0.0/0');
    const findings = lint(text).filter((f) => f.ruleId === 'no-world-open');
    const line = text.slice(0, text.indexOf('0.0.0.0/0')).split('\n').length;
    expect(findings).toEqual([expect.objectContaining({ line, column: 19 })]);
  });

  it('fall back to one parse for anything unusual, so errors keep their true positions', () => {
    const broken = largeFile(1500, '  - name: [unclosed\n');
    const findings = lint(broken);
    expect(findings[0]?.ruleId).toBe('syntax');
    expect(findings[0]?.line).toBeGreaterThanOrEqual(broken.split('\n').length - 1);
    const crossAlias = largeFile(1500).replace('  - name: db1\n', '  - &first\n    name: db1\n').replace('  - name: db2\n    engine: postgresql\n', '  - name: db2\n    engine: postgresql\n    x: *first\n');
    expect(lint(crossAlias)).toMatchObject([{ ruleId: 'schema', message: expect.stringMatching(/unknown property "x"/) }]);
  });
});

const LIMIT_MESSAGE = /^aliases expand to more than 10000 nodes/;
const repeat = (text: string, count: number, separator = ', ') => Array(count).fill(text).join(separator);

/** What one parse of the same text gives: behind a directive, which the chunker refuses. */
function parseWhole(text: string) {
  const prefix = '%YAML 1.2\n---\n';
  const parsed = parseYaml('endpoints.yaml', `${prefix}${text}`);
  return { data: parsed.data, places: places(parsed, prefix.length), problems: parsed.problems.map((p) => ({ ...p, start: p.start - prefix.length, end: p.end - prefix.length })) };
}

function places(parsed: ReturnType<typeof parseYaml>, shift = 0) {
  return [...parsed.locations.walk(parsed.data)].map(({ path, range }) => `${path.join('.')}@${range.keyStart - shift}-${range.valueEnd - shift}`);
}

describe('aliases', () => {
  it('count against one limit for the whole file, even when it is parsed one database at a time', () => {
    // Each item alone expands to just under the limit; the second passes the file's limit at its ninth *b.
    const item = (d: number) => `  - name: db${d}
    engine: postgresql
    a: &a [${repeat('x', 10)}]
    b: &b [${repeat('*a', 10)}]
    c: &c [${repeat('*b', 10)}]
    d: [${repeat('*c', 7)}]
`;
    const text = `${HEADER}databases:\n${Array.from({ length: 700 }, (_, d) => item(d)).join('')}`;
    expect(text.length).toBeGreaterThan(CHUNKED_PARSE_MIN_LENGTH);
    const parsed = parseYaml('endpoints.yaml', text);
    expect(parsed.data).toBeUndefined();
    expect(lint(text)).toEqual([{ ruleId: 'syntax', line: 16, column: 44, message: expect.stringMatching(LIMIT_MESSAGE) }]);
  });

  it('are resolved in linear time: one anchor with thousands of aliases is read at once, and past the limit refused', () => {
    const file = (count: number) => `${HEADER}databases:
  - name: orders
    engine: postgresql
    sensitive:
      - &t public.cards
${repeat('      - *t', count, '\n')}
`;
    const parsed = parseYaml('endpoints.yaml', file(9_999));
    expect(parsed.problems).toEqual([]);
    expect((parsed.data as { databases: { sensitive: string[] }[] }).databases[0]!.sensitive).toEqual(Array(10_000).fill('public.cards'));
    expect(lint(file(20_000))).toEqual([{ ruleId: 'syntax', line: 10_010, column: 9, message: expect.stringMatching(LIMIT_MESSAGE) }]);
  });

  it('that contain themselves are refused with one finding instead of expanding forever', () => {
    expect(lint(`${HEADER}databases: []\nloop: &loop [1, *loop]\n`)).toEqual([
      { ruleId: 'syntax', line: 6, column: 17, message: expect.stringMatching(LIMIT_MESSAGE) },
    ]);
  });

  it('naming no anchor before them are a finding, not a silent null', () => {
    expect(lint(`${HEADER}databases:\n  - name: orders\n    engine: postgresql\n    sensitive: *tables\ntables: &tables [public.cards]\n`)).toEqual([
      { ruleId: 'syntax', line: 8, column: 16, message: 'the alias *tables names no anchor before it' },
    ]);
  });
});

describe('large files, parsed one database at a time, with aliases across databases', () => {
  /** `count` databases; the first anchors its TLS settings and every other one aliases them. */
  const sharedTls = (count: number) => largeFile(count).replace('tls: { verify: full }', 'tls: &tls { verify: full }').replaceAll('tls: { verify: full }', 'tls: *tls');

  it('read an alias of an anchor in an earlier database as its value', () => {
    const text = sharedTls(500);
    expect(text.length).toBeGreaterThan(CHUNKED_PARSE_MIN_LENGTH);
    expect(lint(text)).toEqual([]);
    const parsed = parseYaml('endpoints.yaml', text);
    const databases = (parsed.data as { databases: { integrations: { tls: unknown }[] }[] }).databases;
    expect(databases.map((db) => db.integrations[0]!.tls)).toEqual(Array(500).fill({ verify: 'full' }));
    const whole = parseWhole(text);
    expect(parsed.data).toEqual(whole.data);
    expect(places(parsed)).toEqual(whole.places);
  });

  it('read an alias after the list as the anchor nearest before it, even one inside the list', () => {
    const text = sharedTls(500).replace('defaults:', 'first: &tls { verify: none }\ndefaults:') + 'last: *tls\n';
    expect(text.length).toBeGreaterThan(CHUNKED_PARSE_MIN_LENGTH);
    const parsed = parseYaml('endpoints.yaml', text);
    expect((parsed.data as { last: unknown }).last).toEqual({ verify: 'full' });
    expect(parsed.data).toEqual(parseWhole(text).data);
  });

  it('equal one parse for anchors and aliases anywhere: before the list, in any item, after it', () => {
    // A comment makes the file large enough to be parsed in pieces while keeping each run quick.
    const padding = `# ${'-'.repeat(77)}\n`.repeat(Math.ceil(CHUNKED_PARSE_MIN_LENGTH / 80));
    const name = fc.constantFrom('a', 'b');
    const value = fc.oneof(
      fc.constant('plain'),
      name.map((anchor) => `&${anchor} { k: ${anchor} }`),
      name.map((anchor) => `&${anchor} [x, y]`),
      name.map((alias) => `*${alias}`),
      name.map((alias) => `[*${alias}, z]`),
    );
    const fields = fc.array(value, { maxLength: 3 });
    const write = (values: string[], prefix: string, indent: string) => values.map((v, i) => `${indent}${prefix}${i}: ${v}\n`).join('');
    // The property gets the values, not the text, so a counterexample reads short.
    fc.assert(fc.property(fields, fc.array(fields, { minLength: 1, maxLength: 5 }), fields, (before, items, after) => {
      const databases = items.map((item, d) => `  - name: db${d}\n${write(item, 'f', '    ')}`).join('');
      const text = `${padding}${write(before, 'before', '')}databases:\n${databases}${write(after, 'after', '')}`;
      const chunked = parseYaml('endpoints.yaml', text);
      expect({ data: chunked.data, places: places(chunked), problems: chunked.problems }).toEqual(parseWhole(text));
    }), { numRuns: 60 });
  });

  it('report an alias that names no anchor where one parse would', () => {
    const text = sharedTls(500).replace('&tls { verify: full }', '{ verify: full }');
    expect(text.length).toBeGreaterThan(CHUNKED_PARSE_MIN_LENGTH);
    const parsed = parseYaml('endpoints.yaml', text);
    expect(parsed.problems).toEqual(parseWhole(text).problems);
    expect(parsed.problems).toHaveLength(499);
  });
});
