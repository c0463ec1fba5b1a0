import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolError } from '../../src/errors.js';
import { fifoWithWriter } from '../helpers/fifo.js';
import { buildRuleSet } from '../../src/lint/engine.js';
import { loadBuiltinPack } from '../../src/lint/policies/load.js';
import { mergePacks } from '../../src/lint/policies/pack.js';
import { lintFile } from '../../src/lint/run.js';

const ruleSet = buildRuleSet(mergePacks([loadBuiltinPack()]));
const dir = mkdtempSync(join(tmpdir(), 'dbfence-read-'));
const VALID = 'version: 1\nprovider:\n  kind: postgres\n  adminUrl: { fromEnv: PG_URL }\ndatabases: []\n';

function lintBytes(name: string, bytes: Uint8Array, maxFileBytes?: number) {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return lintFile(path, ruleSet, maxFileBytes === undefined ? {} : { maxFileBytes }).findings
    .map(({ ruleId, line, column, message }) => ({ ruleId, line, column, message }));
}

describe('reading the file', () => {
  it('points at the first byte that is not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('version: 1\nprovider:\n  kind: pos'), Buffer.from([0xe9]), Buffer.from('tgres\n')]);
    expect(lintBytes('latin1.yaml', bytes)).toEqual([{
      ruleId: 'syntax', line: 3, column: 12,
      message: 'the file is not valid UTF-8 (byte 0xe9 at byte offset 32); save it as UTF-8',
    }]);
  });

  it('names UTF-16 for what it is', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(VALID, 'utf16le')]);
    expect(lintBytes('utf16.yaml', bytes)).toMatchObject([{ ruleId: 'syntax', line: 1, column: 1, message: 'the file is UTF-16; save it as UTF-8' }]);
  });

  it('reads a UTF-8 byte order mark as nothing', () => {
    expect(lintBytes('bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(VALID)]))).toEqual([]);
  });

  it('refuses a file over the size limit without reading it', () => {
    expect(lintBytes('big.yaml', Buffer.from(VALID), 16)).toMatchObject([
      { ruleId: 'syntax', line: 1, column: 1, message: `the file is ${Buffer.byteLength(VALID)} bytes, over the limit of 16 bytes; is this the right file?` },
    ]);
  });

  it.each([
    // One byte over reads as over, not as equal to the limit.
    [5 * 1024 * 1024 + 1, 5 * 1024 * 1024, 'the file is 5,242,881 bytes, over the limit of 5,242,880 bytes'],
    // Rounded down, so never more than it is; the limit exact.
    [Math.ceil(5.19 * 1024 * 1024), 5 * 1024 * 1024, 'the file is 5.1 MiB, over the limit of 5 MiB'],
    [3000, 1000, 'the file is 2.9 KiB, over the limit of 1,000 bytes'],
    [2100, 2099, 'the file is 2,100 bytes, over the limit of 2,099 bytes'],
  ])('says a size of %i bytes over a limit of %i bytes truly: %s', (size, limit, message) => {
    expect(lintBytes('sized.yaml', Buffer.alloc(size, 0x20), limit)).toMatchObject([{ ruleId: 'syntax', message: `${message}; is this the right file?` }]);
  });

  it('stops with one clear error, not a finding, when there is no file to read', () => {
    expect(() => lintFile(join(dir, 'missing.yaml'), ruleSet)).toThrow(new ToolError(`cannot read ${join(dir, 'missing.yaml')}: no such file`));
    expect(() => lintFile(dir, ruleSet)).toThrow(/it is a folder/);
  });

  it('stops with one clear error for a device instead of reading it', () => {
    expect(() => lintFile('/dev/null', ruleSet)).toThrow(new ToolError('cannot read /dev/null: not a regular file'));
  });

  it.skipIf(process.platform === 'win32')('stops with one clear error for a FIFO instead of waiting for a writer', () => {
    const fifo = join(dir, 'endpoints.fifo');
    const endWriter = fifoWithWriter(fifo);
    try {
      expect(() => lintFile(fifo, ruleSet)).toThrow(new ToolError(`cannot read ${fifo}: not a regular file`));
    } finally {
      endWriter();
    }
  });

  it.skipIf(!existsSync('/proc/self/status'))('holds the size limit while reading, for a file whose size says 0', () => {
    expect(lintFile('/proc/self/status', ruleSet, { maxFileBytes: 64 }).findings).toMatchObject([
      { ruleId: 'syntax', line: 1, column: 1, message: 'the file is over the limit of 64 bytes; is this the right file?' },
    ]);
  });
});
