import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS_DIR, renderRuleDocs } from '../../scripts/gen-rule-docs.mjs';
import { loadBuiltinPack } from '../../src/lint/policies/load.js';
import * as examples from '../../src/lint/rules/examples/load.js';
import * as registry from '../../src/lint/rules/index.js';

describe('docs/rules', () => {
  const pages = renderRuleDocs({ registry, examples, pack: loadBuiltinPack() });

  it('holds exactly the pages the generator makes', () => {
    expect(readdirSync(DOCS_DIR).sort()).toEqual([...pages.keys()].sort());
  });

  for (const [name, text] of pages) {
    it(`${name} is up to date (run \`npm run docs\` after changing a rule, its examples or its notes)`, () => {
      expect(readFileSync(join(DOCS_DIR, name), 'utf8')).toBe(text);
    });
  }
});
