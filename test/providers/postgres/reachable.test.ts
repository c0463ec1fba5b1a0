import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unreachableFor } from '../../helpers/pg-server.js';

// Run as root from a folder only root can enter, the test servers would run
// as the postgres user, who cannot reach the binaries, and every PostgreSQL
// test file waited for a server that never started. The harness checks first.
describe('the test servers\' reachability check', () => {
  const work = mkdtempSync(join(tmpdir(), 'dbfence-reach-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  // Someone who is neither the owner of these files nor in their group.
  const stranger = { uid: statSync(work).uid + 4242, gid: 4242, groups: [4242] };

  function binaryIn(folderMode: number, fileMode: number): { folder: string; binary: string } {
    const folder = mkdtempSync(join(work, 'checkout-'));
    mkdirSync(join(folder, 'bin'));
    const binary = join(folder, 'bin', 'postgres');
    writeFileSync(binary, '#!/bin/sh\n');
    chmodSync(binary, fileMode);
    chmodSync(folder, folderMode);
    return { folder, binary };
  }

  it('names the folder a mode-0700 checkout puts out of reach', () => {
    chmodSync(work, 0o755);
    const { folder, binary } = binaryIn(0o700, 0o755);
    expect(unreachableFor(stranger, binary)).toBe(`it cannot enter ${folder} (mode 0700, owner uid ${stranger.uid - 4242})`);
  });

  it('names a binary it cannot run', () => {
    const { binary } = binaryIn(0o755, 0o744);
    expect(unreachableFor(stranger, binary)).toMatch(/^it cannot run .*\/bin\/postgres \(mode 0744, owner uid \d+\)$/);
  });

  it('lets through a path every user can reach, and the owner or a member of the group', () => {
    const open = binaryIn(0o755, 0o755);
    expect(unreachableFor(stranger, open.binary)).toBeUndefined();
    const { folder, binary } = binaryIn(0o750, 0o755);
    expect(unreachableFor(stranger, binary)).toMatch(/cannot enter/);
    const owner = statSync(folder);
    expect(unreachableFor({ uid: owner.uid, gid: 4242, groups: [] }, binary)).toBeUndefined();
    expect(unreachableFor({ uid: owner.uid + 4242, gid: 4242, groups: [owner.gid] }, binary)).toBeUndefined();
  });
});
