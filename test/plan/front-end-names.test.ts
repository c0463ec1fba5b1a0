import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
/** Below the front ends: none of these may know how a person acknowledges a change. */
const LAYERS = ['src/plan', 'src/providers', 'src/engines', 'src/edges'];

function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

describe('front-end names stay in the front ends', () => {
  it('names neither the CLI flag nor the Action input that acknowledge destructive changes below src/cli and src/action', () => {
    const files = LAYERS.flatMap(sources);
    expect(files.length).toBeGreaterThan(20);
    const naming = files.filter((file) => readFileSync(join(ROOT, file), 'utf8').includes('allow-destructive'));
    expect(naming).toEqual([]);
  });
});
