import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolError } from '../../src/errors.js';
import { envSecretResolver, MAX_SECRET_FILE_BYTES } from '../../src/providers/secrets.js';
import { fifoWithWriter } from '../helpers/fifo.js';

const dir = mkdtempSync(join(tmpdir(), 'dbfence-secrets-'));
const resolver = envSecretResolver({ baseDir: dir, env: {} });
const fromFile = (name: string) => resolver.resolve({ fromFile: name }, 'provider.adminUrl');

describe('fromFile secrets', () => {
  it('read the file beside endpoints.yaml, without the trailing newline', () => {
    writeFileSync(join(dir, 'admin-url'), 'postgres://admin:pw@db/postgres\n');
    expect(fromFile('admin-url')).toBe('postgres://admin:pw@db/postgres');
  });

  it('refuse a folder, a device or a FIFO with one line naming the reference', () => {
    mkdirSync(join(dir, 'folder'));
    expect(() => fromFile('folder')).toThrow(new ToolError('provider.adminUrl: cannot read folder: it is a folder'));
    expect(() => fromFile('/dev/null')).toThrow(new ToolError('provider.adminUrl: cannot read /dev/null: not a regular file'));
    if (process.platform === 'win32') return;
    const endWriter = fifoWithWriter(join(dir, 'pipe'));
    try {
      expect(() => fromFile('pipe')).toThrow(new ToolError('provider.adminUrl: cannot read pipe: not a regular file'));
    } finally {
      endWriter();
    }
  });

  it('refuse a file too large to be a secret', () => {
    writeFileSync(join(dir, 'huge'), Buffer.alloc(MAX_SECRET_FILE_BYTES + 1, 'x'));
    expect(() => fromFile('huge')).toThrow(new ToolError('provider.adminUrl: huge is over the 1 MiB a secret file may hold; is this the right file?'));
  });

  it('name a missing file', () => {
    expect(() => fromFile('missing')).toThrow(new ToolError('provider.adminUrl: cannot read missing: no such file'));
  });
});
