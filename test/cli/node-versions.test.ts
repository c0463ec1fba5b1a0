import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_BINARIES_AVAILABLE, otherNodeBinaries } from '../helpers/node-binaries.js';
import { dbfence } from './helpers.js';

// The CLI runs on whatever Node the user has (engines: >=22; the tests also run
// on the machine's own Node, which may be older), and the Action
// on Node 24: each must lint alike, with nothing on standard error.
describe.skipIf(!NODE_BINARIES_AVAILABLE)('the CLI on Node 20, 22 and 24', () => {
  const cacheHome = mkdtempSync(join(tmpdir(), 'dbfence-node-versions-'));
  afterAll(() => rmSync(cacheHome, { recursive: true, force: true }));
  let nodes: Record<string, string>;
  beforeAll(async () => {
    nodes = { [`node${process.versions.node.split('.')[0]}`]: process.execPath, ...(await otherNodeBinaries()) };
  }, 600_000); // the first run on a clone downloads two Node binaries

  it('lints with the same report and exit status, and prints nothing on standard error, with and without a code cache', async () => {
    const args = ['lint', '-f', 'json', 'findings.yaml', 'warnings.yaml', 'clean.yaml'];
    const expected = await dbfence(args, { env: { XDG_CACHE_HOME: cacheHome } });
    expect(expected.code).toBe(1);
    expect(JSON.parse(expected.stdout).summary).toEqual({ errors: 2, warnings: 3 });
    for (const [name, node] of Object.entries(nodes)) {
      for (const run of ['first run', 'cached run']) {
        const outcome = await dbfence(args, { node, env: { XDG_CACHE_HOME: cacheHome, DBFENCE_DEBUG: '1' } });
        expect(outcome, `${name}, ${run}`).toEqual(expected);
      }
    }
  });
});
