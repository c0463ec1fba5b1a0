import { describe, expect, it } from 'vitest';
import { parseAdminUrl } from '../../../src/engines/mariadb/admin-url.js';
import { mariadbDatabaseAccounts, mariadbDesiredState } from '../../../src/engines/mariadb/index.js';
import { admits, hostPattern, sessionAddress } from '../../../src/engines/mariadb/hosts.js';
import { cachingSha2String, identifiedClause, passwordMatches, rememberingPasswordMatches, shaCrypt256 } from '../../../src/engines/mariadb/passwords.js';
import { databasePattern, literal } from '../../../src/engines/mariadb/sql.js';
import { integration, ordersFile } from './fixtures.js';

describe('host patterns', () => {
  it('writes an IPv4 network in netmask form and a single address bare', () => {
    expect(hostPattern('10.0.0.0/24')).toEqual({ ok: true, host: '10.0.0.0/255.255.255.0' });
    expect(hostPattern('52.20.10.10/32')).toEqual({ ok: true, host: '52.20.10.10' });
    expect(hostPattern('52.20.10.10')).toEqual({ ok: true, host: '52.20.10.10' });
    expect(hostPattern('2001:db8::1/128')).toEqual({ ok: true, host: '2001:db8::1' });
  });

  it('refuses what MariaDB cannot match', () => {
    expect(hostPattern('2001:db8::/64')).toMatchObject({ ok: false, reason: expect.stringMatching(/only as a single address \(\/128\)/) });
    expect(hostPattern('10.0.0.1/33')).toMatchObject({ ok: false });
  });

  it('tells which client addresses a pattern admits', () => {
    expect(admits('10.0.0.0/255.255.255.0', '10.0.0.77')).toBe(true);
    expect(admits('10.0.0.0/255.255.255.0', '10.0.1.1')).toBe(false);
    expect(admits('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(admits('127.0.0.1', '127.0.0.2')).toBe(false);
    expect(admits('%', '127.0.0.1')).toBe(true);
    expect(admits('127.0.0.1', undefined)).toBe(false);
    expect(admits('127.0.0.%', '127.0.0.1')).toBe(false);
    expect(sessionAddress('10.1.2.3:50123')).toBe('10.1.2.3');
    expect(sessionAddress('[::1]:50123')).toBe('::1');
    expect(sessionAddress('localhost')).toBeUndefined();
  });
});

describe('authentication strings', () => {
  it('computes mysql_native_password as *HEX(SHA1(SHA1(password)))', () => {
    // PASSWORD('pw1') on MariaDB 10.11.
    expect(passwordMatches('mysql_native_password', 'pw1', '*2B602296A79E0A8784ACC5C88D92E46588CCA3C3')).toBe(true);
    expect(identifiedClause('mysql_native_password', 'pw1', 'mariadb')).toBe("IDENTIFIED BY PASSWORD '*2B602296A79E0A8784ACC5C88D92E46588CCA3C3'");
    expect(identifiedClause('mysql_native_password', 'pw1', 'mysql')).toBe("IDENTIFIED WITH mysql_native_password AS '*2B602296A79E0A8784ACC5C88D92E46588CCA3C3'");
    expect(identifiedClause('ed25519', 'pw1', 'mariadb')).toMatch(/^IDENTIFIED VIA ed25519 USING '[A-Za-z0-9+/]{43}'$/);
  });

  it('computes SHA-crypt-256 as openssl passwd -5 does, for salts up to 16 characters', () => {
    // openssl passwd -5 -salt abcdefghijklmnop pw1; openssl passwd -5 -salt saltstring 'Hello world!' (Drepper's vector).
    expect(shaCrypt256(Buffer.from('pw1'), Buffer.from('abcdefghijklmnop'), 5000)).toBe('xE9owYO3w1ipE7GqGEezZG336RfVULSC4iMdz9rkuv5');
    expect(shaCrypt256(Buffer.from('Hello world!'), Buffer.from('saltstring'), 5000)).toBe('5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5');
  });

  it('computes caching_sha2_password as MySQL stores it: $A$005$, a raw 20-byte salt, the digest', () => {
    // hashcat mode 7401's example, password "hashcat": $mysql$A$005*<salt hex>*<digest hex>.
    const salt = Buffer.from('F9CC98CE08892924F50A213B6BC571A2C11778C5', 'hex');
    const digest = Buffer.from('625479393559393965414D45316477456B484F41316E64484742577A2E3162785353526B7554584647562F', 'hex');
    const stored = Buffer.concat([Buffer.from('$A$005$'), salt, digest]);
    expect(cachingSha2String('hashcat', salt).equals(stored)).toBe(true);
    // Rotation: the secret hashed again with the stored salt (read as HEX(authentication_string), kept as latin1).
    expect(passwordMatches('caching_sha2_password', 'hashcat', stored.toString('latin1'))).toBe(true);
    expect(passwordMatches('caching_sha2_password', 'hashcat2', stored.toString('latin1'))).toBe(false);
    expect(passwordMatches('caching_sha2_password', 'hashcat', '')).toBe(false);
  });

  it('remembers a check by password and stored string: a rotated password or a new string is checked again', () => {
    const matches = rememberingPasswordMatches();
    const stored = cachingSha2String('pw1').toString('latin1');
    const other = cachingSha2String('pw2').toString('latin1');
    expect(matches('caching_sha2_password', 'pw1', stored)).toBe(true);
    expect(matches('caching_sha2_password', 'pw1', stored)).toBe(true);
    expect(matches('caching_sha2_password', 'pw1', other)).toBe(false);
    expect(matches('caching_sha2_password', 'pw2', other)).toBe(true);
  });

  it('sets caching_sha2_password from a fresh salt, in hex, which the same password then matches', () => {
    const clause = identifiedClause('caching_sha2_password', 'pw1', 'mysql');
    const hex = /^IDENTIFIED WITH caching_sha2_password AS 0x([0-9A-F]{140})$/.exec(clause)?.[1];
    expect(hex).toBeDefined();
    const bytes = Buffer.from(hex!, 'hex');
    expect(bytes.subarray(0, 7).toString()).toBe('$A$005$');
    // The salt avoids "$" and NUL, where MySQL's hash stops reading it.
    expect(bytes.subarray(7, 27).toString('latin1')).toMatch(/^[./0-9A-Za-z]{20}$/);
    expect(passwordMatches('caching_sha2_password', 'pw1', bytes.toString('latin1'))).toBe(true);
    expect(identifiedClause('caching_sha2_password', 'pw1', 'mysql')).not.toBe(clause);
  });
});

describe('database patterns', () => {
  it('escapes the wildcards of a db.* grant', () => {
    expect(databasePattern('my_db%')).toBe('my\\_db\\%');
  });

  it('quotes a literal with a quote, a backslash and a NUL in it', () => {
    expect(literal("x\\y'z\0")).toBe("'x\\\\y''z\\0'");
  });
});

describe('the admin URL', () => {
  it('verifies TLS with the host name by default, and allows plain only to loopback', () => {
    const url = parseAdminUrl('mariadb://admin:p%40ss@db.example.com/', 'provider.adminUrl', { caPem: () => 'CA' });
    expect(url).toMatchObject({ host: 'db.example.com', port: 3306, user: 'admin', password: 'p@ss', ssl: { rejectUnauthorized: true, ca: ['CA'], servername: 'db.example.com' } });
    expect(parseAdminUrl('mysql://a:b@127.0.0.1:3307/?ssl-mode=DISABLED', 'x').ssl).toBe(false);
    expect(() => parseAdminUrl('mariadb://a:b@db.example.com/?ssl-mode=DISABLED', 'databases[0].adminUrl'))
      .toThrow('databases[0].adminUrl: ssl-mode=DISABLED is accepted only for a loopback address, not db.example.com');
    expect(() => parseAdminUrl('mariadb://a:b@db/?ssl-mode=REQUIRED', 'x')).toThrow(/does not check the server's host name/);
    expect(() => parseAdminUrl('postgres://a:secret@db/', 'x')).toThrow(/^x is not a valid mariadb:\/\//);
  });

  it('never repeats the password in a message', () => {
    for (const text of ['mariadb://a:hunter2#x@db/', 'mariadb://a:hun/ter2@db/', 'mariadb://a:hunter2@db/?foo=1']) {
      expect(() => parseAdminUrl(text, 'x')).toThrow();
      try {
        parseAdminUrl(text, 'x');
      } catch (error) {
        expect((error as Error).message).not.toContain('hunter2');
      }
    }
  });
});

describe('the desired state', () => {
  it('refuses a grant on another database of a self-managed server, TRUNCATE, and a db.* grant reaching a sensitive table', () => {
    const other = ordersFile([integration('a', 'a_ro', 'P', { grants: [{ table: 'billing.invoices', privileges: ['SELECT'] }] })]);
    expect(() => mariadbDesiredState(other)).toThrow(/a schema is a database, so a grant of database orders names its tables as orders.<table>/);
    // On a platform a grant may name any database of the server, and the platform's edge filters sources: one account at %.
    const [platformUser] = mariadbDatabaseAccounts(other, 0).users;
    expect(platformUser!.grants[0]).toMatchObject({ database: 'billing', table: 'invoices' });
    expect(platformUser!.hosts.map((h) => h.host)).toEqual(['%']);
    const truncate = ordersFile([integration('a', 'a_ro', 'P', { grants: [{ table: 'orders.line_items', privileges: ['TRUNCATE'] }] })]);
    expect(() => mariadbDesiredState(truncate)).toThrow(/MariaDB has no TRUNCATE privilege/);
    const wide = ordersFile([integration('a', 'a_ro', 'P', { grants: [{ table: 'orders.*', privileges: ['SELECT'] }] })]);
    expect(() => mariadbDesiredState(wide)).toThrow(/would also grant the sensitive orders.customers/);
  });

  it('gives one account per source, ALL as the data privileges only', () => {
    const file = ordersFile([integration('a', 'a_ro', 'P', {
      from: ['10.0.0.0/24', '10.0.0.0/24', '52.1.2.3/32'], grants: [{ table: 'orders.line_items', privileges: ['ALL'] }],
    })]);
    const [user] = mariadbDesiredState(file).users;
    expect(user!.hosts.map((h) => h.host)).toEqual(['10.0.0.0/255.255.255.0', '52.1.2.3']);
    expect(user!.grants[0]!.privileges).toEqual(['DELETE', 'INSERT', 'REFERENCES', 'SELECT', 'TRIGGER', 'UPDATE']);
  });
});
