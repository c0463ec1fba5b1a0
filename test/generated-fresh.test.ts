import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without type declarations
import { OUTPUTS } from '../scripts/generate.mjs';

describe('src/generated', () => {
  for (const [path, generate] of Object.entries(OUTPUTS as Record<string, () => string>)) {
    it(`${path} matches its sources (run npm run build after editing a schema or the built-in pack)`, () => {
      expect(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')).toBe(generate());
    });
  }
});
