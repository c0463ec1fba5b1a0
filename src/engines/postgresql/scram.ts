import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { BIDI_L, BIDI_R_AL, MAPPED_TO_NOTHING, NON_ASCII_SPACE, PROHIBITED, UNASSIGNED } from '../../generated/saslprep-tables.js';

/** PostgreSQL's default `scram_iterations` and salt length. */
const ITERATIONS = 4096;
const SALT_BYTES = 16;

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** Whether `code` lies in one of the table's inclusive ranges (pairs of first and last code point, in order). */
function inTable(code: number, table: readonly number[]): boolean {
  let low = 0;
  let high = table.length / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (code < table[2 * middle]!) high = middle - 1;
    else if (code > table[2 * middle + 1]!) low = middle + 1;
    else return true;
  }
  return false;
}

/**
 * SASLprep (RFC 4013) in the steps of PostgreSQL's `pg_saslprep`: map, then
 * check the prohibited and unassigned code points and the bidi rule on the
 * mapped text, then NFKC. Unlike the RFC, and unlike @mongodb-js/saslprep,
 * libpq checks before normalising: U+2150 (⅐) is unassigned in Unicode 3.2
 * and so rejected, though its NFKC form 1⁄7 would pass. Undefined where
 * libpq rejects the password.
 */
function saslprep(password: string): string | undefined {
  const mapped: number[] = [];
  for (const character of password) {
    const code = character.codePointAt(0)!;
    if (inTable(code, NON_ASCII_SPACE)) mapped.push(0x20);
    else if (!inTable(code, MAPPED_TO_NOTHING)) mapped.push(code);
  }
  if (mapped.length === 0) return undefined;
  if (mapped.some((code) => inTable(code, PROHIBITED) || inTable(code, UNASSIGNED))) return undefined;
  if (mapped.some((code) => inTable(code, BIDI_R_AL))) {
    const rightToLeft = (code: number) => inTable(code, BIDI_R_AL);
    if (mapped.some((code) => inTable(code, BIDI_L)) || !rightToLeft(mapped[0]!) || !rightToLeft(mapped[mapped.length - 1]!)) return undefined;
  }
  return mapped.map((code) => String.fromCodePoint(code)).join('').normalize('NFKC');
}

/**
 * The bytes libpq and PostgreSQL feed PBKDF2 for a password, so a verifier
 * made here admits what `psql` sends: ASCII as it is (control characters
 * included), other text SASLprep'd, and the raw UTF-8 wherever SASLprep
 * rejects it.
 */
function preparePassword(password: string): Buffer {
  if (/^[\x00-\x7f]*$/.test(password)) return Buffer.from(password, 'utf8');
  return Buffer.from(saslprep(password) ?? password, 'utf8');
}

const pbkdf2Async = promisify(pbkdf2);

function keys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  return keysFromSalted(pbkdf2Sync(preparePassword(password), salt, iterations, 32, 'sha256'));
}

function keysFromSalted(salted: Buffer): { storedKey: Buffer; serverKey: Buffer } {
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return {
    storedKey: createHash('sha256').update(clientKey).digest(),
    serverKey: createHmac('sha256', salted).update('Server Key').digest(),
  };
}

/**
 * A SCRAM-SHA-256 verifier (RFC 5803 form, as `pg_authid.rolpassword` stores
 * it). PostgreSQL stores a verifier given in `PASSWORD '…'` as it is, so the
 * password itself never reaches the server or its logs.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(SALT_BYTES), iterations = ITERATIONS): string {
  const { storedKey, serverKey } = keys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * True when `verifier` (a stored `rolpassword`) was made from `password`; false
 * for any other form (md5, none). Its PBKDF2 runs on libuv's thread pool, so
 * many checks run on every core.
 */
export async function verifierMatches(verifier: string | null, password: string): Promise<boolean> {
  const parsed = parseVerifier(verifier);
  if (!parsed) return false;
  const salted = await pbkdf2Async(preparePassword(password), parsed.salt, parsed.iterations, 32, 'sha256');
  return sameKeys(parsed, keysFromSalted(salted));
}

/** `verifierMatches` on the calling thread. */
export function verifierMatchesSync(verifier: string | null, password: string): boolean {
  const parsed = parseVerifier(verifier);
  return parsed !== undefined && sameKeys(parsed, keys(password, parsed.salt, parsed.iterations));
}

interface ParsedVerifier {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

function parseVerifier(verifier: string | null): ParsedVerifier | undefined {
  const match = verifier === null ? null : VERIFIER.exec(verifier);
  if (!match) return undefined;
  const [, iterations, salt, storedKey, serverKey] = match as unknown as [string, string, string, string, string];
  return { iterations: Number(iterations), salt: Buffer.from(salt, 'base64'), storedKey: Buffer.from(storedKey, 'base64'), serverKey: Buffer.from(serverKey, 'base64') };
}

function sameKeys(stored: ParsedVerifier, expected: { storedKey: Buffer; serverKey: Buffer }): boolean {
  return stored.storedKey.length === 32 && stored.serverKey.length === 32
    && timingSafeEqual(stored.storedKey, expected.storedKey) && timingSafeEqual(stored.serverKey, expected.serverKey);
}
