import { readFileSync, statSync } from 'node:fs';
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
  let bytes: Buffer;
  try {
    const size = statSync(path).size;
    if (size > maxBytes) {
      return { ok: false, offset: 0, text: '', message: `the file is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit; is this the right file?` };
    }
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : String(code ?? error);
    throw new ToolError(`cannot read ${path}: ${reason}`);
  }
  return decodeUtf8(bytes);
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

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
