import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replacePair } from '../../../src/edges/mariadb/server-files.js';

const NEW = { certificatePem: 'NEW CERTIFICATE\n', keyPem: 'NEW KEY\n' };

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'dbfence-server-files-'));
}

function pairIn(dir: string, modes = { cert: 0o644, key: 0o600 }): { certFile: string; keyFile: string } {
  const files = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
  writeFileSync(files.certFile, 'OLD CERTIFICATE\n');
  writeFileSync(files.keyFile, 'OLD KEY\n');
  chmodSync(files.certFile, modes.cert);
  chmodSync(files.keyFile, modes.key);
  return files;
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('replacePair: the server certificate and key as files', () => {
  it('replaces both files, the key readable by its owner only, and leaves nothing beside them', () => {
    const dir = folder();
    const files = pairIn(dir, { cert: 0o666, key: 0o600 });
    writeFileSync(`${files.keyFile}.dbfence-new`, 'a leftover of a killed run');
    replacePair(files, NEW);
    expect([readFileSync(files.certFile, 'utf8'), readFileSync(files.keyFile, 'utf8')]).toEqual([NEW.certificatePem, NEW.keyPem]);
    expect([mode(files.certFile), mode(files.keyFile)]).toEqual([0o644, 0o600]);
    expect(existsSync(`${files.keyFile}.dbfence-new`) || existsSync(`${files.certFile}.dbfence-new`)).toBe(false);
  });

  it("keeps the group's read on a key that had it (a root:mysql 0640 setup), and nothing for others", () => {
    const files = pairIn(folder(), { cert: 0o644, key: 0o640 });
    replacePair(files, NEW);
    expect(mode(files.keyFile)).toBe(0o640);
    const open = pairIn(folder(), { cert: 0o644, key: 0o666 });
    replacePair(open, NEW);
    expect(mode(open.keyFile)).toBe(0o640);
  });

  it('replaces the file a symbolic link points to, and keeps the link', () => {
    const dir = folder();
    const real = pairIn(dir);
    const linked = { certFile: join(dir, 'live.crt'), keyFile: join(dir, 'live.key') };
    symlinkSync(real.certFile, linked.certFile);
    symlinkSync(real.keyFile, linked.keyFile);
    replacePair(linked, NEW);
    expect(lstatSync(linked.keyFile).isSymbolicLink()).toBe(true);
    expect(readlinkSync(linked.keyFile)).toBe(real.keyFile);
    expect(readFileSync(real.keyFile, 'utf8')).toBe(NEW.keyPem);
  });

  it('puts the old pair back on restore, with its modes, and removes a file that did not exist', () => {
    const dir = folder();
    const files = pairIn(dir, { cert: 0o640, key: 0o600 });
    replacePair(files, NEW).restore();
    expect([readFileSync(files.certFile, 'utf8'), readFileSync(files.keyFile, 'utf8')]).toEqual(['OLD CERTIFICATE\n', 'OLD KEY\n']);
    expect(mode(files.certFile)).toBe(0o640);

    const fresh = { certFile: join(dir, 'fresh.crt'), keyFile: join(dir, 'fresh.key') };
    const backup = replacePair(fresh, NEW);
    expect(mode(fresh.keyFile)).toBe(0o600);
    backup.restore();
    expect(existsSync(fresh.certFile) || existsSync(fresh.keyFile)).toBe(false);
  });

  it('refuses one file for both, and a folder it cannot write, leaving the old pair', () => {
    const dir = folder();
    const files = pairIn(dir);
    expect(() => replacePair({ certFile: files.certFile, keyFile: files.certFile }, NEW)).toThrow(/are the same file: the certificate and the key need a file each/);
    expect(() => replacePair({ ...files, keyFile: join(dir, 'missing', 'server.key') }, NEW)).toThrow(/cannot read|ENOENT/);
    expect(readFileSync(files.keyFile, 'utf8')).toBe('OLD KEY\n');
  });

  it('leaves neither file changed nor the new key behind when the certificate cannot be staged', () => {
    const dir = folder();
    const files = pairIn(dir);
    // Something in the way of the certificate's new file.
    mkdirSync(`${files.certFile}.dbfence-new`);
    expect(() => replacePair(files, NEW)).toThrow(/^cannot write .*server\.crt\.dbfence-new: ERR_FS_EISDIR$/);
    expect(existsSync(`${files.keyFile}.dbfence-new`)).toBe(false);
    expect([readFileSync(files.certFile, 'utf8'), readFileSync(files.keyFile, 'utf8')]).toEqual(['OLD CERTIFICATE\n', 'OLD KEY\n']);
  });
});
