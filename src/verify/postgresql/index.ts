import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import pg from 'pg';
import { ToolError } from '../../errors.js';
import type { Database, EndpointsConfig, Integration, SecretRef } from '../../model/config.js';
import { parseCidr } from '../../net/cidr.js';
import { AddressSpace } from '../../net/address-space.js';
import { servedCertificateNotices } from '../../edges/pg-hba/certificate.js';
import { errorMessage, type Session } from '../../engines/postgresql/connect.js';
import { type DesiredRole, desiredState } from '../../engines/postgresql/desired.js';
import { Passwords } from '../../engines/postgresql/passwords.js';
import { verifierMatches } from '../../engines/postgresql/scram.js';
import type { SecretResolver } from '../../providers/types.js';
import { fetchServedCertificate, type ServedCertificate } from '../../tls/served-certificate.js';
import type { Target, Targets } from '../targets.js';
import type { Check, Proof } from '../types.js';
import { type HbaFileRule, hbaProblems } from './hba-rules.js';
import { probePlainStartup } from './plain-probe.js';
import { probePrivileges } from './privileges.js';

const DEFAULT_PORT = 5432;
const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 60_000;

/** What the admin URL lets verify see of the server, or why it sees nothing. */
export type AdminEvidence = { session: Session } | { unavailable: string };

export interface PostgresqlVerifyContext {
  config: EndpointsConfig;
  targets: Targets;
  secrets: SecretResolver;
  /** The CA certificate the chain must lead to; undefined: Node's CA list (a public CA). */
  ca: { pem: string; name: string } | undefined;
  admin: AdminEvidence;
  now: Date;
}

/** How the integration's own login went. */
type Login =
  | { kind: 'admitted'; client: pg.Client; source: string | null; askedPassword: boolean }
  | { kind: 'refused-by-rules'; source: string | undefined; message: string }
  | { kind: 'password-rejected'; message: string }
  | { kind: 'failed'; message: string }
  | { kind: 'no-password' };

/**
 * Proves, for each integration of the file's PostgreSQL databases, what the
 * file promises about it: on its own login where the server admits this
 * machine, and through the admin connection (`SET ROLE`) where it does not,
 * each detail saying which.
 */
export async function provePostgresql(context: PostgresqlVerifyContext): Promise<Proof[]> {
  const state = desiredState(context.config);
  const passwords = new Passwords(context.secrets);
  const served = new Map<string, Promise<ServedCertificate | undefined>>();
  const serverRules = 'session' in context.admin ? await readServerRules(context.admin.session, state.roles) : undefined;
  const proofs: Proof[] = [];
  for (const database of context.config.databases) {
    for (const integration of database.integrations ?? []) {
      const role = state.roles.find((r) => r.integration === integration.name && r.database === database.name)!;
      const target = targetOf(context, database, integration);
      const key = `${target.address}:${target.connectPort}:${target.hostname}`;
      if (!served.has(key)) served.set(key, serve(target, context.ca));
      const certificate = await served.get(key)!;
      proofs.push(certificateProof(context, integration.name, target, certificate));
      proofs.push(await plainProof(target, role));
      const login = await logIn(target, role, context.ca, passwords);
      try {
        proofs.push(await credentialsProof(context, role, login, passwords, serverRules));
        proofs.push(fromProof(context, role, login, serverRules));
        proofs.push(...await privilegeProofs(context, database, integration, role, login, serverRules));
      } finally {
        if (login.kind === 'admitted') await login.client.end().catch(() => {});
      }
    }
  }
  return proofs;
}

function targetOf(context: PostgresqlVerifyContext, database: Database, integration: Integration): Target {
  const endpoint = database.endpoints?.find((e) => e.name === integration.endpoint);
  if (!endpoint?.hostname) {
    throw new ToolError(`integration ${integration.name}: its endpoint ${integration.endpoint} names no hostname, and verify connects the way the integration does, through it`);
  }
  return context.targets.target(endpoint.hostname, endpoint.port ?? DEFAULT_PORT);
}

function where(target: Target): string {
  const via = target.address === target.hostname && target.connectPort === target.port ? '' : ` (at ${target.address}:${target.connectPort})`;
  return `${target.hostname}:${target.port}${via}`;
}

async function serve(target: Target, ca: PostgresqlVerifyContext['ca']): Promise<ServedCertificate | undefined> {
  try {
    return await fetchServedCertificate(target.address, target.connectPort, { servername: target.hostname, ...(ca ? { ca: ca.pem } : {}) });
  } catch (error) {
    throw new ToolError(`verify: cannot reach ${where(target)}: ${errorMessage(error)}`);
  }
}

function certificateProof(context: PostgresqlVerifyContext, integration: string, target: Target, served: ServedCertificate | undefined): Proof {
  const proof = (ok: boolean, detail: string): Proof => ({ integration, check: 'certificate', ok, detail });
  if (!served) return proof(false, `${where(target)} offers no TLS`);
  const trust = context.ca ? context.ca.name : 'the system trust store';
  const problems: string[] = [];
  if (served.chainError) problems.push(`the chain does not verify against ${trust}: ${served.chainError}`);
  problems.push(...servedCertificateNotices(context.config, served, context.now).map((notice) => notice.message));
  if (problems.length > 0) return proof(false, problems.join('; '));
  const names = served.names.join(', ');
  return proof(true, `${where(target)} serves serial ${served.serial} over ${served.protocol}, verified against ${trust}; names ${names}; valid until ${served.notAfter.toISOString()}`);
}

async function plainProof(target: Target, role: DesiredRole): Promise<Proof> {
  const proof = (ok: boolean, detail: string): Proof => ({ integration: role.integration, check: 'tls-required', ok, detail });
  try {
    const answer = await probePlainStartup(target.address, target.connectPort, role.user, role.database);
    return answer.refused
      ? proof(true, `a connection without TLS was refused: ${answer.message}`)
      : proof(false, `${answer.message} (no password was sent)`);
  } catch (error) {
    throw new ToolError(`verify: cannot reach ${where(target)}: ${errorMessage(error)}`);
  }
}

/** The integration's own login, over TLS verified against the CA and the endpoint's hostname. */
async function logIn(target: Target, role: DesiredRole, ca: PostgresqlVerifyContext['ca'], passwords: Passwords): Promise<Login> {
  const password = passwords.read(role);
  if (password === undefined) return { kind: 'no-password' };
  let askedPassword = false;
  const client = new pg.Client({
    host: target.address,
    port: target.connectPort,
    user: role.user,
    database: role.database,
    password: () => {
      askedPassword = true;
      return password;
    },
    ssl: {
      rejectUnauthorized: true,
      servername: target.hostname,
      checkServerIdentity: (_host: string, certificate: PeerCertificate) => checkServerIdentity(target.hostname, certificate),
      ...(ca ? { ca: ca.pem } : {}),
    },
    application_name: 'dbfence verify',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    options: `-c statement_timeout=${QUERY_TIMEOUT_MS / 2}`,
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    const code = (error as { code?: string }).code;
    const message = errorMessage(error);
    if (code === '28000' && /pg_hba\.conf/.test(message)) {
      return { kind: 'refused-by-rules', source: /host "([^"]+)"/.exec(message)?.[1], message };
    }
    if (code === '28P01') return { kind: 'password-rejected', message };
    return { kind: 'failed', message };
  }
  const { rows } = await client.query<{ source: string | null }>('SELECT host(inet_client_addr()) AS source');
  return { kind: 'admitted', client, source: rows[0]?.source ?? null, askedPassword };
}

/** Why the proofs went through the admin URL, in a few words (the server's message is the `from` proof's). */
function loginStory(login: Login): string {
  switch (login.kind) {
    case 'admitted': return 'it logged in';
    case 'refused-by-rules': return `the server refuses it from ${login.source ?? 'this machine'}`;
    case 'password-rejected': return 'its password is rejected';
    case 'failed': return `it cannot log in: ${login.message}`;
    case 'no-password': return 'the file declares no password for it';
  }
}

interface ServerRules {
  rules: HbaFileRule[];
  /** Why the rules on disk may not be those in force. */
  stale: string | undefined;
  verifiers: Map<string, string | null>;
}

async function readServerRules(session: Session, roles: readonly DesiredRole[]): Promise<ServerRules> {
  const admin = await session.admin();
  try {
    const rules = await session.query<HbaFileRule>(admin, 'SELECT * FROM pg_hba_file_rules');
    const [file] = await session.query<{ edited: boolean }>(admin,
      "SELECT (SELECT modification FROM pg_stat_file(current_setting('hba_file'))) > pg_conf_load_time() AS edited");
    const errors = rules.filter((rule) => rule.error !== null);
    const stale = errors.length > 0
      ? `pg_hba.conf has errors (line ${errors.map((rule) => rule.line_number).join(', ')}), so the server still runs an earlier version of it`
      : file?.edited ? 'pg_hba.conf was changed after the server last loaded its configuration, so the rules on disk are not yet those in force' : undefined;
    const rows = await session.query<{ name: string; verifier: string | null }>(admin,
      'SELECT rolname::text AS name, rolpassword AS verifier FROM pg_authid WHERE rolname = ANY($1::text[])', [roles.map((role) => role.user)]);
    return { rules, stale, verifiers: new Map(rows.map((row) => [row.name, row.verifier])) };
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(`verify: reading the server's rules through the admin URL failed: ${errorMessage(error)}`);
  }
}

function unavailable(context: PostgresqlVerifyContext): string {
  return 'unavailable' in context.admin ? context.admin.unavailable : 'the admin URL is not used';
}

async function credentialsProof(
  context: PostgresqlVerifyContext, role: DesiredRole, login: Login, passwords: Passwords, rules: ServerRules | undefined,
): Promise<Proof> {
  const proof = (ok: boolean, detail: string): Proof => ({ integration: role.integration, check: 'credentials', ok, detail });
  const reference = role.password ? describeRef(role.password.ref) : undefined;
  if (login.kind === 'admitted') {
    return login.askedPassword
      ? proof(true, `logged in as ${role.user} with the password of ${reference}, over verified TLS`)
      : proof(false, `the server let ${role.user} in without asking for its password`);
  }
  if (login.kind === 'password-rejected') return proof(false, `the server rejects the password of ${reference} for ${role.user}`);
  if (login.kind === 'no-password') return proof(true, `the file manages no password for ${role.user}; not tried`);
  if (!rules) return proof(false, `not proven: ${loginStory(login)}, and ${unavailable(context)}`);
  const matches = await verifierMatches(rules.verifiers.get(role.user) ?? null, passwords.read(role)!);
  return matches
    ? proof(true, `the server's verifier for ${role.user} matches the password of ${reference} (through the admin URL: ${loginStory(login)})`)
    : proof(false, `the server's verifier for ${role.user} does not match the password of ${reference}`);
}

function describeRef(ref: SecretRef | string): string {
  if (typeof ref === 'string') return 'an inline value';
  return 'fromEnv' in ref ? `$${ref.fromEnv}` : ref.fromFile;
}

function fromProof(context: PostgresqlVerifyContext, role: DesiredRole, login: Login, rules: ServerRules | undefined): Proof {
  const from = new AddressSpace();
  for (const source of role.sources) {
    const parsed = parseCidr(source.cidr);
    if (parsed.ok) from.add(parsed.network);
  }
  const inFrom = (address: string): boolean => {
    const parsed = parseCidr(address);
    return parsed.ok && from.contains(parsed.network);
  };
  const problems: string[] = [];
  const evidence: string[] = [];
  if (login.kind === 'admitted') {
    if (login.source === null) problems.push(`the server admitted ${role.user} and sees no client address`);
    else if (!inFrom(login.source)) problems.push(`the server admitted ${role.user} from ${login.source}, which from does not hold`);
    else evidence.push(`admitted from ${login.source}, inside from`);
  } else if (login.kind === 'refused-by-rules' && login.source !== undefined) {
    if (inFrom(login.source)) problems.push(`the server refused ${role.user} from ${login.source}, which from holds (${login.message})`);
    else evidence.push(`refused from ${login.source}, outside from`);
  }
  if (rules) {
    if (rules.stale) problems.push(rules.stale);
    else {
      const found = hbaProblems(rules.rules, { user: role.user, database: role.database, from: role.sources.map((s) => s.cidr) });
      problems.push(...found);
      if (found.length === 0) evidence.push(`no line of pg_hba.conf lets ${role.user} in from elsewhere`);
    }
  } else {
    evidence.push(`pg_hba.conf not read: ${unavailable(context)}`);
  }
  if (problems.length > 0) return { integration: role.integration, check: 'from', ok: false, detail: problems.join('; ') };
  const proven = evidence.some((text) => !text.startsWith('pg_hba.conf not read'));
  return {
    integration: role.integration, check: 'from', ok: proven,
    detail: proven ? evidence.join('; ') : `not proven: ${loginStory(login)}; ${evidence.join('; ')}`,
  };
}

async function privilegeProofs(
  context: PostgresqlVerifyContext, database: Database, integration: Integration, role: DesiredRole, login: Login, rules: ServerRules | undefined,
): Promise<Proof[]> {
  const sensitive = database.sensitive ?? [];
  if (login.kind === 'admitted') return probePrivileges(login.client, undefined, integration, sensitive, `as ${role.user}, on its own connection`);
  const how = `as ${role.user} through the admin URL (SET ROLE): ${loginStory(login)}`;
  const checks: Check[] = ['grants-readable', 'ungranted-denied', ...((integration.access ?? 'read-only') === 'read-only' ? ['read-only' as const] : []), 'sensitive-denied'];
  const unproven = (reason: string): Proof[] => checks.map((check) => ({ integration: integration.name, check, ok: false, detail: reason }));
  if (rules && !rules.verifiers.has(role.user)) return unproven(`not proven: the server has no role ${role.user}; has the file been applied?`);
  if ('session' in context.admin) {
    const { session } = context.admin;
    try {
      return await probePrivileges(await session.database(database.name), role.user, integration, sensitive, how);
    } catch (error) {
      if (error instanceof ToolError) throw error;
      throw new ToolError(`verify: probing ${role.user}'s privileges through the admin URL failed: ${errorMessage(error)}`);
    }
  }
  return unproven(`not proven: ${loginStory(login)}, and ${unavailable(context)}`);
}
