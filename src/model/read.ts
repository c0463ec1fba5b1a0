import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ToolError } from '../errors.js';

/** Files larger than this are refused unread: no endpoints.yaml is anywhere near it. */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

export type ReadResult =
  | { ok: true; text: string }
  | { ok: false; message: string; offset: number; /** What could be read, for positions. */ text: string };

/**
 * Reads a file as UTF-8 text. A problem with the content (too large, not
 * UTF-8) is returned for a finding; a file that cannot be read at all is a
 * ToolError.
 */
export function readSourceText(path: string, maxBytes = DEFAULT_MAX_FILE_BYTES): ReadResult {
  return sourceText(readRegularFile(path, maxBytes), maxBytes);
}

/** The text of a bounded read, or the finding for content over the bound or not UTF-8. */
export function sourceText(read: BoundedRead, maxBytes: number): ReadResult {
  if ('bytes' in read) return decodeUtf8(read.bytes);
  if (read.size === undefined) return { ok: false, offset: 0, text: '', message: `the file is over the limit of ${formatLimit(maxBytes)}; is this the right file?` };
  const { size, limit } = sizeOverLimit(read.size, maxBytes);
  return { ok: false, offset: 0, text: '', message: `the file is ${size}, over the limit of ${limit}; is this the right file?` };
}

/**
 * A size over a limit, both as a reader can compare them: the size rounded
 * down, so it never reads as more than it is, and in bytes, the limit's too,
 * where rounded it would not read as more than the limit (a file one byte
 * over 5 MiB is not "5.0 MiB, over the limit of 5 MiB").
 */
function sizeOverLimit(size: number, limit: number): { size: string; limit: string } {
  const unit = size >= MIB ? { bytes: MIB, name: 'MiB' } : { bytes: KIB, name: 'KiB' };
  const shown = Math.floor((size / unit.bytes) * 10) / 10;
  if (shown * unit.bytes > limit) return { size: `${shown.toFixed(1)} ${unit.name}`, limit: formatLimit(limit) };
  return { size: inBytes(size), limit: inBytes(limit) };
}

/** A file's bytes, or its size when over the bound (undefined when it only showed while reading). */
export type BoundedRead = { bytes: Buffer } | { size: number | undefined };

// Without O_NONBLOCK, opening a FIFO waits for a writer, forever; Windows has no FIFOs and no flag.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a regular file of at most `maxBytes`, the one reader of every file a
 * user names (endpoints.yaml, `fromFile` secrets, policy files). The checks are made on the
 * opened descriptor, not the path, and the bound holds while reading: a
 * device (/dev/zero), a FIFO or a file that grows never makes it read
 * without end or wait. What cannot be read is a ToolError, its message
 * `cannotRead` of the reason (`no such file`, `not a regular file`, ...).
 */
export function readRegularFile(
  path: string, maxBytes: number, cannotRead: (reason: string) => string = (reason) => `cannot read ${path}: ${reason}`,
): BoundedRead {
  let fd: number | undefined;
  try {
    fd = openSync(path, OPEN_FLAGS);
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new ToolError(cannotRead('it is a folder'));
    if (!stat.isFile()) throw new ToolError(cannotRead('not a regular file'));
    if (stat.size > maxBytes) return { size: stat.size };
    // st_size is a hint (files in /proc say 0): read to the end, but never past the bound.
    let buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) return { size: undefined };
        const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
      const count = readSync(fd, buffer, length, buffer.length - length, null);
      if (count === 0) break;
      length += count;
    }
    return { bytes: buffer.subarray(0, length) };
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(cannotRead(unreadableReason(error as NodeJS.ErrnoException)));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Reads a stream (standard input) to its end under the same bound as files:
 * past `maxBytes` it stops and lets the writer go, so `cat /dev/zero | …`
 * ends instead of filling memory.
 */
export async function readBoundedStream(stream: NodeJS.ReadableStream & { destroy(): void }, maxBytes: number): Promise<BoundedRead> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    length += bytes.length;
    if (length > maxBytes) {
      stream.destroy();
      return { size: undefined };
    }
    chunks.push(bytes);
  }
  return { bytes: Buffer.concat(chunks, length) };
}

function unreadableReason(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'it is a folder';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return String(error.code ?? error.message);
  }
}

export function decodeUtf8(bytes: Uint8Array): ReadResult {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, offset: 0, text: '', message: 'the file is UTF-16; save it as UTF-8' };
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(body) };
  } catch {
    // The lenient decoding marks the first bad sequence with U+FFFD; that is where the finding points.
    const lenient = new TextDecoder('utf-8').decode(body);
    const offset = Math.max(0, lenient.indexOf('\uFFFD'));
    const byteOffset = Buffer.byteLength(lenient.slice(0, offset)) + start;
    return { ok: false, offset, text: lenient, message: `the file is not valid UTF-8 (byte 0x${bytes[byteOffset]!.toString(16).padStart(2, '0')} at byte offset ${byteOffset}); save it as UTF-8` };
  }
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** A limit exactly: in MiB or KiB when it is a whole number of them, else in bytes. */
export function formatLimit(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= KIB && bytes % KIB === 0) return `${bytes / KIB} KiB`;
  return inBytes(bytes);
}

function inBytes(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} ${bytes === 1 ? 'byte' : 'bytes'}`;
}
