import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifierMatchesSync } from '../../../src/engines/postgresql/scram.js';
import { startTestServer, type TestServer } from '../../helpers/pg-server.js';
import {
  ADMIN_ENV, applyOnce, connectAs, enableTls, integration, ordersConfig, planOnce, seedOrders, withAdmin,
} from './fixtures.js';

const PSQL = '/usr/bin/psql';

/** Passwords whose prepared bytes differ from a plain NFKC (the `pg` client's reading) or from the raw text. */
const HOSTILE = {
  // U+1F600 is unassigned in Unicode 3.2: SASLprep rejects the password, so libpq uses it raw, not as "Abc😀".
  fullwidth: 'Ａbc😀',
  ligature: 'ﬁ😀x',
  // BEL is prohibited: raw, with the no-break space kept.
  control: 'a\u00a0b\u0007é',
};

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

/** The verifiers PostgreSQL itself makes from plaintext passwords with `pg_saslprep`, the code libpq runs. */
async function serverVerifiers(passwords: readonly string[]): Promise<string[]> {
  return withAdmin(server, async (client) => {
    await client.query("SET password_encryption = 'scram-sha-256'");
    // One round of PBKDF2: the preparation of the password is what is compared, not the work factor.
    await client.query('SET scram_iterations = 1');
    await client.query('CREATE ROLE probe');
    await client.query(`CREATE FUNCTION pg_temp.verifiers(passwords text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
      DECLARE password text;
      BEGIN
        FOREACH password IN ARRAY passwords LOOP
          EXECUTE format('ALTER ROLE probe PASSWORD %L', password);
          RETURN NEXT (SELECT rolpassword FROM pg_authid WHERE rolname = 'probe');
        END LOOP;
      END $$`);
    try {
      const verifiers: string[] = [];
      for (let i = 0; i < passwords.length; i += 1000) {
        const { rows } = await client.query('SELECT pg_temp.verifiers($1::text[]) AS verifier', [passwords.slice(i, i + 1000)]);
        verifiers.push(...rows.map((row) => row.verifier as string));
      }
      return verifiers;
    } finally {
      await client.query('DROP ROLE probe');
    }
  });
}

/** Logs in with Debian's psql (libpq), the password in PGPASSWORD, over TLS as the pg_hba.conf block demands. */
function psqlLogin(user: string, password: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(PSQL, ['-X', '-tA', '-c', 'SELECT current_user', `host=127.0.0.1 port=${server.port} dbname=orders user=${user} sslmode=require`], {
      env: { PATH: process.env.PATH ?? '', PGPASSWORD: password, PGCONNECT_TIMEOUT: '30' }, encoding: 'utf8', timeout: 60_000,
    }, (error, stdout, stderr) => resolve(error ? stderr.trim() : stdout.trim()));
  });
}

describe('passwords prepared as libpq prepares them', () => {
  it('match the verifier PostgreSQL makes for every character that NFKC changes, and for the hostile passwords', async () => {
    const passwords = [...Object.values(HOSTILE), 'pässwörd', 'ｆｕｌｌｗｉｄｔｈ\u00a0space', '\u00ad', 'שלום', 'שלוםa', 'a\u0627', '\u0341é', '\u2150x', '\ufb1d'];
    for (let code = 0x80; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const character = String.fromCodePoint(code);
      if (character.normalize('NFKC') !== character) passwords.push(character);
    }
    const verifiers = await serverVerifiers(passwords);
    const mismatched = passwords.filter((password, i) => !verifierMatchesSync(verifiers[i]!, password));
    expect(mismatched.map((p) => [...p].map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase()}`).join(' '))).toEqual([]);
  }, 300_000);

  it.skipIf(!existsSync(PSQL))('create roles that psql logs in to, with an empty plan after the apply', async () => {
    await seedOrders(server);
    await enableTls(server);
    const users = Object.keys(HOSTILE).map((name) => `${name}_ro`);
    const config = ordersConfig(users.map((user) => integration(user.replace(/_ro$/, ''), user)));
    const env: Record<string, string> = { [ADMIN_ENV]: server.adminUrl };
    Object.values(HOSTILE).forEach((password, i) => { env[`${users[i]!.toUpperCase()}_PASSWORD`] = password; });

    expect((await applyOnce(config, env)).ok).toBe(true);
    for (const [i, password] of Object.values(HOSTILE).entries()) {
      expect(await psqlLogin(users[i]!, password)).toBe(users[i]);
      // What pg 8.23 sends for these (NFKC without SASLprep's checks) is not what libpq sends, so it is refused.
      await expect(connectAs(server, users[i]!, password)).rejects.toThrow(/password authentication failed/);
    }
    expect((await planOnce(config, env)).changes).toEqual([]);

    // "Abc😀" is what NFKC alone makes of "Ａbc😀", but a different password to libpq: a rotation.
    const rotated = { ...env, FULLWIDTH_RO_PASSWORD: 'Abc😀' };
    const plan = await planOnce(config, rotated);
    expect(plan.changes.map((c) => [c.address, c.reason])).toEqual([
      ['postgres.role.fullwidth_ro', 'the password secret does not match the stored verifier'],
    ]);
    expect((await applyOnce(config, rotated)).ok).toBe(true);
    expect(await psqlLogin('fullwidth_ro', 'Abc😀')).toBe('fullwidth_ro');
    const client = await connectAs(server, 'fullwidth_ro', 'Abc😀');
    await client.end();
    expect(await psqlLogin('fullwidth_ro', 'Ａbc😀')).toMatch(/password authentication failed for user "fullwidth_ro"/);
  }, 120_000);

  it('refuses a password no client can send as written', async () => {
    const config = ordersConfig([integration('nul', 'nul_ro')]);
    await expect(planOnce(config, { [ADMIN_ENV]: server.adminUrl, NUL_RO_PASSWORD: 'a\0b' }))
      .rejects.toThrow('databases[0].integrations[0].credentials.password: the password contains a NUL character, which no PostgreSQL client can send');
    await expect(planOnce(config, { [ADMIN_ENV]: server.adminUrl, NUL_RO_PASSWORD: 'caf\ufffd' }))
      .rejects.toThrow(/the password contains U\+FFFD, the stand-in for bytes that are not UTF-8/);
  });
});
