import { createHash, hash, randomInt } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Dialect } from './dialect.js';

/** The authentication plugins whose stored string dbfence can compute from a password, so none is ever sent. */
const PLUGINS = ['mysql_native_password', 'ed25519', 'caching_sha2_password'] as const;
export type Plugin = (typeof PLUGINS)[number];

export function isPlugin(name: string): name is Plugin {
  return (PLUGINS as readonly string[]).includes(name);
}

/** `'*' + HEX(SHA1(SHA1(password)))`: what the server stores, and what `IDENTIFIED BY PASSWORD` takes. */
function nativeHash(password: string): string {
  const inner = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`;
}

/**
 * MariaDB's ed25519 string: the Ed25519 public key of the scalar
 * clamp(SHA-512(password)[0:32]), in base64 without padding (the password
 * takes the place of the usual 32-byte seed, so Node's keys cannot make it).
 */
function ed25519Hash(password: string): string {
  const digest = createHash('sha512').update(password, 'utf8').digest();
  const scalarBytes = Buffer.from(digest.subarray(0, 32));
  scalarBytes[0]! &= 248;
  scalarBytes[31]! &= 63;
  scalarBytes[31]! |= 64;
  const scalar = BigInt(`0x${Buffer.from(scalarBytes).reverse().toString('hex')}`) % ed25519.Point.Fn.ORDER;
  return Buffer.from(ed25519.Point.BASE.multiply(scalar).toBytes()).toString('base64').replace(/=+$/, '');
}

/** SHA-crypt's own base64 alphabet (not RFC 4648's), which MySQL's digest uses too. */
const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The byte order in which SHA-crypt-256 encodes its final digest, three bytes to four characters. */
const CRYPT_ORDER = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29]] as const;

function repeated(digest: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = digest[i % digest.length]!;
  return out;
}

/**
 * The 43-character digest of SHA-crypt-256 (Drepper's SHA-crypt, `$5$`), as
 * MySQL's `my_crypt_genhash` computes it: the salt is taken as raw bytes and
 * may be 20 long, where crypt(3) and `openssl passwd -5` stop at 16, which
 * is why no crypt library computes MySQL's strings.
 */
export function shaCrypt256(password: Buffer, salt: Buffer, rounds: number): string {
  const b = createHash('sha256').update(password).update(salt).update(password).digest();
  const a = createHash('sha256').update(password).update(salt);
  let left = password.length;
  for (; left > 32; left -= 32) a.update(b);
  a.update(b.subarray(0, left));
  for (let bits = password.length; bits > 0; bits >>= 1) a.update(bits & 1 ? b : password);
  const alternate = a.digest();
  const dp = createHash('sha256');
  for (let i = 0; i < password.length; i++) dp.update(password);
  const p = repeated(dp.digest(), password.length);
  const ds = createHash('sha256');
  for (let i = 0; i < 16 + alternate[0]!; i++) ds.update(salt);
  const s = repeated(ds.digest(), salt.length);
  // The rounds are most of the cost: each is one one-shot hash of a reused buffer (half the time of a Hash object).
  const input = Buffer.alloc(2 * 32 + s.length + 2 * p.length);
  let c = alternate;
  for (let round = 0; round < rounds; round++) {
    let length = (round & 1 ? p : c).copy(input, 0);
    if (round % 3 !== 0) length += s.copy(input, length);
    if (round % 7 !== 0) length += p.copy(input, length);
    length += (round & 1 ? c : p).copy(input, length);
    c = hash('sha256', input.subarray(0, length), 'buffer');
  }
  let text = '';
  const encode = (b2: number, b1: number, b0: number, characters: number) => {
    let word = (b2 << 16) | (b1 << 8) | b0;
    for (let i = 0; i < characters; i++, word >>= 6) text += CRYPT_ALPHABET[word & 63];
  };
  for (const [x, y, z] of CRYPT_ORDER) encode(c[x]!, c[y]!, c[z]!, 4);
  encode(0, c[31]!, c[30]!, 3);
  return text;
}

/** caching_sha2_password's rounds: MySQL's default (`caching_sha2_password_digest_rounds`), stored as `005`. */
const SHA2_ROUNDS = 5_000;
const SHA2_SALT_BYTES = 20;

/**
 * caching_sha2_password's stored string, `$A$005$<20-byte salt><43-character
 * digest>` (mysql-server sql/auth/sha2_password.cc), as bytes. A new salt is
 * drawn from the crypt alphabet: never a `$` or a NUL, which MySQL's own
 * salts avoid too (its hash stops reading the salt at either).
 */
export function cachingSha2String(password: string, salt: Buffer = newSalt(), rounds = SHA2_ROUNDS): Buffer {
  const digest = shaCrypt256(Buffer.from(password, 'utf8'), salt, rounds);
  return Buffer.concat([Buffer.from(`$A$${String(rounds / 1000).padStart(3, '0')}$`, 'latin1'), salt, Buffer.from(digest, 'latin1')]);
}

function newSalt(): Buffer {
  return Buffer.from(Array.from({ length: SHA2_SALT_BYTES }, () => CRYPT_ALPHABET.charCodeAt(randomInt(CRYPT_ALPHABET.length))));
}

/** The salt and rounds of a stored caching_sha2_password string, or undefined when it is not one. */
function parseCachingSha2(stored: Buffer): { salt: Buffer; rounds: number } | undefined {
  const head = /^\$A\$(\d{3})\$/.exec(stored.subarray(0, 7).toString('latin1'));
  if (!head || stored.length !== 7 + SHA2_SALT_BYTES + 43 || Number(head[1]) === 0) return undefined;
  return { salt: stored.subarray(7, 7 + SHA2_SALT_BYTES), rounds: Number(head[1]) * 1000 };
}

/**
 * Whether `stored` (the account's authentication string, its bytes as a
 * latin1 string) is `password` for `plugin`: the unsalted strings are
 * computed and compared; caching_sha2_password is hashed again with the
 * stored salt and rounds.
 */
export function passwordMatches(plugin: Plugin, password: string, stored: string): boolean {
  switch (plugin) {
    case 'mysql_native_password': return nativeHash(password) === stored;
    case 'ed25519': return ed25519Hash(password) === stored;
    case 'caching_sha2_password': {
      const bytes = Buffer.from(stored, 'latin1');
      const parsed = parseCachingSha2(bytes);
      return parsed !== undefined && cachingSha2String(password, parsed.salt, parsed.rounds).equals(bytes);
    }
  }
}

export type PasswordCheck = typeof passwordMatches;

/**
 * `passwordMatches`, remembering its answers: on MySQL each check costs
 * 5,000 hash rounds, and one run checks each account for the plan, the
 * drift against the baseline and the apply's plan again. The answers stay in
 * memory, for as long as the caller keeps the function.
 */
export function rememberingPasswordMatches(): PasswordCheck {
  const answers = new Map<string, boolean>();
  return (plugin, password, stored) => {
    const key = JSON.stringify([plugin, password, stored]);
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = passwordMatches(plugin, password, stored);
      answers.set(key, answer);
    }
    return answer;
  };
}

/**
 * The clause that sets a password: only the computed string goes on the
 * wire and into the server's logs. MariaDB takes a native hash with
 * `IDENTIFIED BY PASSWORD`, which MySQL 8 no longer has; MySQL takes any
 * plugin's string with `IDENTIFIED WITH … AS`, in hex (8.0.17 and later) as
 * caching_sha2_password's salt is binary.
 */
export function identifiedClause(plugin: Plugin, password: string, server: Dialect['kind']): string {
  switch (plugin) {
    case 'ed25519': return `IDENTIFIED VIA ed25519 USING '${ed25519Hash(password)}'`;
    case 'mysql_native_password':
      return server === 'mysql' ? `IDENTIFIED WITH mysql_native_password AS '${nativeHash(password)}'` : `IDENTIFIED BY PASSWORD '${nativeHash(password)}'`;
    case 'caching_sha2_password': return `IDENTIFIED WITH caching_sha2_password AS 0x${cachingSha2String(password).toString('hex').toUpperCase()}`;
  }
}
