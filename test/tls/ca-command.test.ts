import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caCertCommand, caCommand } from '../../src/cli/commands/ca.js';
import { ToolError } from '../../src/errors.js';
import { caProblem } from '../../src/tls/ca.js';
import { readCertificate } from '../../src/tls/certificate-info.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dbfence-ca-cmd-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('dbfence ca init', () => {
  it('writes a usable CA, the key readable by its owner only, and says where to keep each file', () => {
    const out = join(dir, 'team-ca');
    const result = caCommand(['init', '--out', out, '--common-name', 'Acme DB CA', '--validity-days', '730']);
    expect(result.exitCode).toBe(0);
    const certificatePem = readFileSync(join(out, 'ca.crt'), 'utf8');
    const keyPem = readFileSync(join(out, 'ca.key'), 'utf8');
    expect(statSync(join(out, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(caProblem({ certificatePem, keyPem }, new Date())).toBeUndefined();
    const info = readCertificate(certificatePem);
    expect(info.subject).toBe('CN=Acme DB CA');
    expect(Math.round((info.notAfter.getTime() - Date.now()) / 86_400_000)).toBe(730);

    expect(result.stdout).toContain(`Created the CA "Acme DB CA", valid until ${info.notAfter.toISOString().slice(0, 10)}`);
    expect(result.stdout).toMatch(/Keep ca\.key in a secret store or a CI secret/);
    expect(result.stdout).toMatch(/never commit it\. ca\.crt may be committed/);
    expect(result.stdout).toContain('key: { fromEnv: DBFENCE_CA_KEY }');
    expect(result.stdout).not.toContain('PRIVATE KEY');
    expect(result.stdout).not.toContain(keyPem.split('\n')[1]);
  });

  it('never overwrites an existing CA', () => {
    caCommand(['init', '--out', dir]);
    const before = readFileSync(join(dir, 'ca.key'), 'utf8');
    expect(() => caCommand(['init', '--out', dir])).toThrow(new ToolError(`${join(dir, 'ca.crt')} already exists; dbfence never overwrites a CA: choose another --out`));
    expect(readFileSync(join(dir, 'ca.key'), 'utf8')).toBe(before);
  });

  it('leaves a stray key file alone', () => {
    writeFileSync(join(dir, 'ca.key'), 'someone else\'s key');
    expect(() => caCommand(['init', '--out', dir])).toThrow(/ca\.key already exists/);
    expect(readFileSync(join(dir, 'ca.key'), 'utf8')).toBe('someone else\'s key');
  });

  it('explains bad options and unknown subcommands', () => {
    expect(() => caCommand(['init', '--validity-days', '0'])).toThrow('--validity-days takes a whole number of days from 1 to 36500, not "0"');
    expect(() => caCommand(['init', '--common-name', ' '])).toThrow('--common-name takes 1 to 64 characters');
    expect(() => caCommand(['create'])).toThrow(/unknown command "ca create"/);
    expect(caCommand([]).stdout).toMatch(/^Usage: dbfence ca init/);
  });
});

describe('dbfence ca-cert', () => {
  const endpoints = (provider: string): string => `version: 1\nprovider:\n${provider}\ndatabases:\n  - name: orders\n    engine: postgresql\n`;

  it('prints the CA certificate a postgres file references, read beside the file', async () => {
    caCommand(['init', '--out', join(dir, 'ca')]);
    writeFileSync(join(dir, 'endpoints.yaml'), endpoints(`  kind: postgres
  adminUrl: { fromEnv: DBFENCE_PG_ADMIN_URL }
  ca:
    certificate: { fromFile: ca/ca.crt }
    key: { fromEnv: DBFENCE_CA_KEY_NOT_NEEDED }`));
    const result = await caCertCommand([join(dir, 'endpoints.yaml')]);
    expect(result).toEqual({ exitCode: 0, stdout: readFileSync(join(dir, 'ca', 'ca.crt'), 'utf8') });
  });

  it('says how to get a CA when the file has none', async () => {
    writeFileSync(join(dir, 'endpoints.yaml'), endpoints('  kind: postgres\n  adminUrl: { fromEnv: DBFENCE_PG_ADMIN_URL }'));
    await expect(caCertCommand([join(dir, 'endpoints.yaml')])).rejects.toThrow(/provider\.ca is not set: .*`dbfence ca init`/);
  });

  it('refuses a file that does not pass the schema, pointing at lint', async () => {
    const file = join(dir, 'endpoints.yaml');
    writeFileSync(file, 'version: 2\n');
    await expect(caCertCommand([file])).rejects.toThrow(new ToolError(`${file} is not a valid endpoints file; \`dbfence lint ${file}\` shows why`));
    await expect(caCertCommand([join(dir, 'missing.yaml')])).rejects.toThrow(/cannot read .*missing\.yaml: no such file/);
  });
});
