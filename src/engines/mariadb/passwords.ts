import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';

/** The authentication plugins whose stored string dbfence can compute from a password, so none is ever sent. */
export type Plugin = 'mysql_native_password' | 'ed25519';

/** New accounts use it: every MySQL and MariaDB client speaks it (ed25519 needs a client plugin many drivers lack). */
export const DEFAULT_PLUGIN: Plugin = 'mysql_native_password';

export function isComputable(plugin: string): plugin is Plugin {
  return plugin === 'mysql_native_password' || plugin === 'ed25519';
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

/** The authentication string `plugin` stores for `password`. */
export function authenticationString(plugin: Plugin, password: string): string {
  return plugin === 'ed25519' ? ed25519Hash(password) : nativeHash(password);
}

/** The clause that sets it: only the computed string goes on the wire and into the server's logs. */
export function identifiedClause(plugin: Plugin, password: string): string {
  const value = authenticationString(plugin, password);
  return plugin === 'ed25519' ? `IDENTIFIED VIA ed25519 USING '${value}'` : `IDENTIFIED BY PASSWORD '${value}'`;
}
