import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LocationIndex } from '../../src/model/locations.js';
import { CHUNKED_PARSE_MIN_LENGTH, type ParsedDocument, parseComposed, parseYaml } from '../../src/model/parse.js';
import { composePlain } from '../../src/model/plain-compose.js';

/** What a parse gives the rest of dbfence: data, every node's recorded range, line starts, problems. */
function observable(parsed: ParsedDocument) {
  return {
    data: parsed.data,
    ranges: [...parsed.locations.walk(parsed.data)],
    lineStarts: parsed.source.lineCounter.lineStarts,
    problems: parsed.problems,
  };
}

/** Whether the text takes the plain path, and that every path gives what one full composition gives. */
function expectSameAsComposed(text: string): boolean {
  expect(observable(parseYaml('endpoints.yaml', text))).toEqual(observable(parseComposed('endpoints.yaml', text)));
  return composePlain(text, new LocationIndex({ start: 0, end: 1 }), 256) !== undefined;
}

const root = join(import.meta.dirname, '..', '..');

function yamlFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.ya?ml$/.test(file)).map((file) => join(root, folder, file));
}

describe('reading plain YAML straight from the parser tokens', () => {
  it('gives what the full composition gives for the examples, the fixtures and the benchmark workload, small and chunked', () => {
    const texts = [...yamlFiles('examples'), ...yamlFiles('test/fixtures'), ...yamlFiles('policies')].map((file) => readFileSync(file, 'utf8'));
    const generator = join(root, '..', 'shared', 'bench', 'gen-endpoints.mjs');
    // 30 databases are over CHUNKED_PARSE_MIN_LENGTH: read in pieces.
    for (const size of ['3', '30']) {
      try {
        texts.push(execFileSync(process.execPath, [generator, size], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
      } catch {
        // The shared workload is not part of every checkout; the examples still hold.
      }
    }
    const plain = texts.filter((text) => expectSameAsComposed(text));
    // Not a vacuous comparison: the files people write take the plain path.
    expect(plain.length).toBeGreaterThan(texts.length / 2);
  });

  it('gives what the full composition gives for a large file read in pieces, some plain and some not', () => {
    const item = (i: number) => `  - name: db${i} # database ${i}\n    engine: postgresql\n    endpoints:\n      - name: ep${i}\n        allow: [{ cidr: 10.0.0.${i % 250}/32 }]\n`;
    const items = Array.from({ length: 1500 }, (_, i) => item(i));
    items[3] = '  - name: anchored\n    endpoints: &eps\n      - name: a\n    copy: *eps\n';
    items[7] = '  - name: tagged\n    port: !!str 5432\n';
    items[9] = '  - name: multi\n    description: >\n      folded\n      text\n\n';
    const text = `version: 1\nprovider:\n  kind: postgres\ndatabases:\n${items.join('')}# the end\n`;
    expect(text.length).toBeGreaterThan(CHUNKED_PARSE_MIN_LENGTH);
    expectSameAsComposed(text);
  });

  it.each([
    ['comments everywhere', '# top\nversion: 1 # v\nprovider:\n  kind: postgres\n  # inside\n  adminUrl: { fromEnv: X } # flow\n# after the map\nlist:\n  - a # item\n  # between\n  - b\n# last\n'],
    ['a trailing comment closing a nested map and list', 'a:\n  b: 1\n  # end of a\nc:\n  - x\n  # end of c\nd: 2\n'],
    ['scalars of every core type', 'a: 1\nb: -2\nc: 0x1F\nd: 0o17\ne: 1.50\nf: 1e3\ng: .inf\nh: -.Inf\ni: .nan\nj: true\nk: False\nl: ~\nm: NULL\nn: "1"\no: \'x\'\'y\'\np: "tab\\tnew\\nline"\nq: 2026-01-01\nr: 12345678901234567890\n'],
    ['keys that are not strings', '1: a\ntrue: b\n1.5: c\n"quoted key": d\n\'single\': e\n'],
    ['block scalars', 'a: |\n  line one\n  line two\n\nb: >-\n  folded\n  text\nc: |+\n  kept\n\n'],
    ['multi-line plain and quoted scalars', 'a: one\n  two\n  three\nb: "one\n  two"\n'],
    ['flow collections', 'a: { b: 1, c: "two", d: [x] }\ne: [1, "2", three]\nf: {}\ng: []\nh: [a, b, ]\n'],
    ['a document start marker', '---\na: 1\n'],
    ['a document end marker', 'a: 1\n...\n'],
    ['CRLF line breaks', 'a: 1\r\nb:\r\n  - x # c\r\n  - y\r\n'],
    ['a list at the top', '- a\n- b: 1\n  c: 2\n-   - nested\n'],
    ['a scalar document', 'just text\n'],
    ['a list under a key at the same column', 'a:\n- x\n- y\nb: 1\n'],
    ['an empty value', 'a:\nb: 1\n'],
    ['an empty list item', 'a:\n  -\n  - x\n'],
  ])('gives what the full composition gives: %s', (_name, text) => {
    expectSameAsComposed(text);
  });

  it.each([
    ['a duplicated key', 'a: 1\na: 2\n'],
    ['keys that collide as strings', '1: a\n"1": b\n'],
    ['an anchor and an alias', 'a: &x [1]\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['an explicit key', '? a\n: 1\n'],
    ['tab indentation', 'a:\n\tb: 1\n'],
    ['a __proto__ key', '__proto__: { polluted: true }\n'],
    ['a compact nested mapping', 'a: b: c\n'],
    ['a comment without space before it', 'a: "x"# c\n'],
    ['a bad indentation', 'a:\n  b: 1\n c: 2\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['an unterminated flow collection', 'a: [1, 2\n'],
    ['a bad escape', 'a: "\\q"\n'],
    ['an empty flow item', 'a: [1, , 2]\n'],
  ])('leaves %s to the full composition, which reports or handles it', (_name, text) => {
    expect(expectSameAsComposed(text)).toBe(false);
  });

  it('refuses nesting past the limit without walking it, for the full composition to report', () => {
    const text = `a: ${'['.repeat(300)}${']'.repeat(300)}\n`;
    expect(composePlain(text, new LocationIndex({ start: 0, end: 1 }), 256)).toBeUndefined();
    expect(parseYaml('endpoints.yaml', text).problems).toMatchObject([{ message: 'the document nests deeper than 256 levels' }]);
  });

  it('gives what the full composition gives for any data yaml writes, block or flow', () => {
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('1', 'true', '~', '0x10', '1e3', '# x', 'a: b', '- c', ' lead', 'trail '));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(fc.property(value, fc.constantFrom('any', 'block', 'flow'), fc.boolean(), (data, collectionStyle, comment) => {
      const text = stringify(data, { collectionStyle, lineWidth: 40 });
      expectSameAsComposed(comment ? `# head\n${text}# tail\n` : text);
    }), { numRuns: 300 });
  });
});
