// The server certificate and key as files on this machine: MariaDB reads them, and cannot write them over SQL.
import { closeSync, fchmodSync, fchownSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PemPair } from '../../tls/pem.js';

export interface PairFiles {
  certFile: string;
  keyFile: string;
}

/** A file as it was before dbfence replaced it: content, mode and owner; null content when it did not exist. */
interface Snapshot {
  path: string;
  content: Buffer | null;
  mode: number;
  uid: number;
  gid: number;
}

/** What `replacePair` replaced, to put back. Holds the old key in memory only. */
export interface PairBackup {
  restore(): void;
}

/** A file's text, or undefined when it does not exist; a ToolError-worthy Error when it cannot be read. */
export function readLocalFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * Writes a new certificate and key over the pair's files. Each file is
 * written in full next to its target and renamed over it, so a reader sees
 * the old file or the new one, never a part. The key is created with mode
 * 0600 before a byte of it is written (0640 only where the old key already
 * let its group read, as a `root:mysql` setup needs), and both files get
 * the old files' owner and group, so the server's user can still read them.
 * The two renames follow each other at once; the server reads the files only
 * at FLUSH SSL or a restart, and keeps what it loaded until then.
 */
export function replacePair(files: PairFiles, pair: PemPair): PairBackup {
  const certPath = targetOf(files.certFile);
  const keyPath = targetOf(files.keyFile);
  if (certPath === keyPath) throw new Error(`${files.certFile} and ${files.keyFile} are the same file: the certificate and the key need a file each`);
  const snapshots = [snapshot(keyPath, 0o600), snapshot(certPath, 0o644)];
  const [key, cert] = snapshots as [Snapshot, Snapshot];
  const staged = [stage(keyPath, Buffer.from(pair.keyPem), { ...key, mode: 0o600 | (key.mode & 0o040) })];
  try {
    staged.push(stage(certPath, Buffer.from(pair.certificatePem), { ...cert, mode: cert.mode & 0o644 }));
  } catch (error) {
    // The new key must not stay behind on its own.
    rmSync(staged[0]!.temporary, { force: true });
    throw error;
  }
  let renamed = 0;
  try {
    for (const { temporary, path } of staged) {
      renameSync(temporary, path);
      renamed += 1;
    }
    syncFolder(dirname(keyPath));
    if (dirname(certPath) !== dirname(keyPath)) syncFolder(dirname(certPath));
  } catch (error) {
    for (const { temporary } of staged.slice(renamed)) rmSync(temporary, { force: true });
    restoreAll(snapshots.slice(0, renamed));
    throw error;
  }
  return { restore: () => restoreAll(snapshots) };
}

/** The file a path names, through symbolic links, so a linked setup keeps its links. */
function targetOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The file as it is; a new file would get `mode` and the folder's owner. */
function snapshot(path: string, mode: number): Snapshot {
  const content = readFileOrNull(path);
  const owner = statSync(content === null ? dirname(path) : path);
  return { path, content, mode: content === null ? mode : owner.mode & 0o7777, uid: owner.uid, gid: owner.gid };
}

function readFileOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * Writes `content` to a new file beside `path`, created readable by its
 * owner only, then given `owner`'s ids and mode, and flushed to disk.
 */
function stage(path: string, content: Buffer, owner: Omit<Snapshot, 'path' | 'content'>): { temporary: string; path: string } {
  const temporary = `${path}.dbfence-new`;
  let fd: number | undefined;
  try {
    // A leftover of a run that was killed while writing.
    rmSync(temporary, { force: true });
    fd = openSync(temporary, 'wx', 0o600);
    const ids = statSync(temporary);
    if (ids.uid !== owner.uid || ids.gid !== owner.gid) fchownSync(fd, owner.uid, owner.gid);
    fchmodSync(fd, owner.mode);
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (error) {
    if (fd !== undefined) {
      closeSync(fd);
      rmSync(temporary, { force: true });
    }
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EPERM' ? `giving it to uid ${owner.uid} needs root or that user` : code ?? (error as Error).message;
    throw new Error(`cannot write ${temporary}: ${why}`);
  }
  closeSync(fd);
  return { temporary, path };
}

function restoreAll(snapshots: readonly Snapshot[]): void {
  for (const old of snapshots) {
    if (old.content === null) {
      rmSync(old.path, { force: true });
      continue;
    }
    renameSync(stage(old.path, old.content, old).temporary, old.path);
  }
}

function syncFolder(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
