import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scramVerifier, verifierMatches, verifierMatchesSync } from '../../../src/engines/postgresql/scram.js';
import { startTestServer, type TestServer } from '../../helpers/pg-server.js';
import { withAdmin } from './fixtures.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

/** The verifier PostgreSQL itself stores for a plaintext password (test-only: the plaintext goes over the wire). */
async function serverVerifier(password: string): Promise<string> {
  return withAdmin(server, async (client) => {
    await client.query("SET password_encryption = 'scram-sha-256'");
    await client.query(`CREATE ROLE probe PASSWORD ${client.escapeLiteral(password)}`);
    try {
      return (await client.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'probe'")).rows[0].rolpassword as string;
    } finally {
      await client.query('DROP ROLE probe');
    }
  });
}

describe('SCRAM-SHA-256 verifiers', () => {
  it('recognise the password behind a verifier PostgreSQL made, and no other', async () => {
    for (const password of ['plain ascii', 'pässwörd', 'ｆｕｌｌｗｉｄｔｈ\u00a0space']) {
      const stored = await serverVerifier(password);
      expect(await verifierMatches(stored, password)).toBe(true);
      expect(await verifierMatches(stored, `${password}!`)).toBe(false);
      expect(verifierMatchesSync(stored, password)).toBe(true);
      expect(verifierMatchesSync(stored, `${password}!`)).toBe(false);
    }
  });

  it('make verifiers in the form PostgreSQL stores, with a fresh salt each time', async () => {
    const verifier = scramVerifier('secret');
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(scramVerifier('secret')).not.toBe(verifier);
    expect(await verifierMatches(verifier, 'secret')).toBe(true);
  });

  it('never match a password that is not stored as SCRAM', async () => {
    expect(await verifierMatches(null, 'secret')).toBe(false);
    expect(await verifierMatches('md5a3556571e93b0d20722ba62be61e8c2d', 'secret')).toBe(false);
  });
});
