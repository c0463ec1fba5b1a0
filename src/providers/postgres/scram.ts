import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

/** PostgreSQL's default `scram_iterations` and salt length. */
const ITERATIONS = 4096;
const SALT_BYTES = 16;

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/**
 * SASLprep the way PostgreSQL and the `pg` client apply it, so a verifier made
 * here accepts the password those clients send: ASCII is used as it is; other
 * text has non-ASCII spaces mapped to a space, the "mapped to nothing"
 * characters removed, and NFKC normalisation.
 */
function saslprep(password: string): string {
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  return password
    .replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, ' ')
    .replace(/[\u00AD\u034F\u1806\u180B\u180C\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g, '')
    .normalize('NFKC');
}

const pbkdf2Async = promisify(pbkdf2);

function keys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  return keysFromSalted(pbkdf2Sync(saslprep(password), salt, iterations, 32, 'sha256'));
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
  const salted = await pbkdf2Async(saslprep(password), parsed.salt, parsed.iterations, 32, 'sha256');
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
