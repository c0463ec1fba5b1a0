import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ToolError } from '../../errors.js';
import { lintFile, loadRuleSet } from '../../lint/run.js';
import type { EndpointsConfig } from '../../model/config.js';
import { createProvider } from '../../providers/index.js';
import { envSecretResolver } from '../../providers/secrets.js';
import type { SecretResolver } from '../../providers/types.js';
import { createCa } from '../../tls/ca.js';
import { readCertificate } from '../../tls/certificate-info.js';
import type { CommandResult } from '../main.js';

export const CA_HELP = `Usage: dbfence ca init [options]

Creates a certificate authority for a team that has none: ca.crt (public) and
ca.key (private, mode 0600). dbfence signs the servers' certificates with it,
and clients verify the servers against ca.crt. Existing files are never
overwritten.

Options:
      --out DIR             where to write the files (default: the current folder)
      --common-name NAME    the CA's name (default: dbfence CA)
      --validity-days N     how long the CA is valid (default: 3650)`;

export const CA_CERT_HELP = `Usage: dbfence ca-cert [FILE]

Prints the CA certificate clients need to verify the database servers of an
endpoints file (FILE defaults to endpoints.yaml), e.g. for sslrootcert with
sslmode=verify-full.`;

const DEFAULT_COMMON_NAME = 'dbfence CA';
const DEFAULT_VALIDITY_DAYS = 3650;
const MAX_VALIDITY_DAYS = 36_500;

/** `dbfence ca init`. */
export function caCommand(argv: string[]): CommandResult {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h') return { exitCode: 0, stdout: `${CA_HELP}\n` };
  if (subcommand !== 'init') throw new ToolError(`unknown command "ca ${subcommand}"; the CA commands are \`dbfence ca init\` and \`dbfence ca-cert\``);
  const { values } = parseArgs({
    args: rest,
    options: {
      out: { type: 'string', default: '.' },
      'common-name': { type: 'string', default: DEFAULT_COMMON_NAME },
      'validity-days': { type: 'string', default: String(DEFAULT_VALIDITY_DAYS) },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { exitCode: 0, stdout: `${CA_HELP}\n` };
  const commonName = values['common-name'].trim();
  if (commonName === '' || commonName.length > 64) throw new ToolError('--common-name takes 1 to 64 characters');
  const validityDays = validityDaysOption(values['validity-days']);

  const certPath = join(values.out, 'ca.crt');
  const keyPath = join(values.out, 'ca.key');
  for (const path of [certPath, keyPath]) {
    // A new CA under the old name would make every certificate the old one signed fail to verify.
    if (existsSync(path)) throw new ToolError(`${path} already exists; dbfence never overwrites a CA: choose another --out`);
  }
  const ca = createCa({ commonName, validityDays });
  let keyWritten = false;
  try {
    mkdirSync(values.out, { recursive: true, mode: 0o700 });
    writeFileSync(keyPath, ca.keyPem, { flag: 'wx', mode: 0o600 });
    keyWritten = true;
    writeFileSync(certPath, ca.certificatePem, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    // A key without its certificate is of no use, and must not be mistaken for a CA later.
    if (keyWritten) rmSync(keyPath, { force: true });
    throw new ToolError(`cannot write the CA into ${values.out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const until = readCertificate(ca.certificatePem).notAfter.toISOString().slice(0, 10);
  return { exitCode: 0, stdout: initReport(commonName, until, certPath, keyPath) };
}

function validityDaysOption(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_VALIDITY_DAYS) {
    throw new ToolError(`--validity-days takes a whole number of days from 1 to ${MAX_VALIDITY_DAYS}, not "${text}"`);
  }
  return Number(text);
}

function initReport(commonName: string, until: string, certPath: string, keyPath: string): string {
  const show = (path: string): string => relative(process.cwd(), path) || path;
  return `Created the CA "${commonName}", valid until ${until}:
  ${show(certPath)}  the certificate: public; clients verify the servers with it (\`dbfence ca-cert\` prints it)
  ${show(keyPath)}  the private key (mode 0600): whoever holds it can impersonate your databases

Keep ca.key in a secret store or a CI secret (e.g. a GitHub Actions secret) and
delete this copy; never commit it. ca.crt may be committed. Reference both in
endpoints.yaml:

  provider:
    kind: postgres                 # or mariadb, which also needs serverCertificate
    ca:
      certificate: { fromFile: ca.crt }
      key: { fromEnv: DBFENCE_CA_KEY }
`;
}

/** `dbfence ca-cert [FILE]`. */
export async function caCertCommand(argv: string[]): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) return { exitCode: 0, stdout: `${CA_CERT_HELP}\n` };
  if (positionals.length > 1) throw new ToolError('dbfence ca-cert reads one endpoints file');
  const file = positionals[0] ?? 'endpoints.yaml';
  const config = await loadEndpointsFile(file);
  const secrets = envSecretResolver({ baseDir: dirname(file) });
  const progress: string[] = [];
  const pem = await caCertificate(config, secrets, (message) => progress.push(message));
  return { exitCode: 0, stdout: pem, ...(progress.length > 0 ? { stderr: progress.map((line) => `${line}\n`).join('') } : {}) };
}

/**
 * Each provider knows where its CA comes from: a self-managed one reads
 * the file's own references without connecting, managed services publish
 * theirs through their API.
 */
async function caCertificate(config: EndpointsConfig, secrets: SecretResolver, log: (message: string) => void): Promise<string> {
  const provider = await createProvider(config, { secrets, log, now: () => new Date() });
  try {
    return await provider.caCertificate();
  } finally {
    await provider.close();
  }
}

/** The file's configuration, read and checked as `dbfence lint` does; a file that fails the schema is refused. */
async function loadEndpointsFile(file: string): Promise<EndpointsConfig> {
  const { config } = lintFile(file, (await loadRuleSet(undefined)).ruleSet);
  if (!config) throw new ToolError(`${file} is not a valid endpoints file; \`dbfence lint ${file}\` shows why`);
  return config;
}
