import { dirname } from 'node:path';
import { ToolError } from '../errors.js';
import { maskSecretsInText } from '../lint/secrets.js';
import { runLint } from '../lint/run.js';
import type { Database, EndpointsConfig } from '../model/config.js';
import { resolveProviderCaCertificate } from '../tls/provider-ca.js';
import { Session } from '../engines/postgresql/connect.js';
import { envSecretResolver } from '../providers/secrets.js';
import type { SecretResolver } from '../providers/types.js';
import { type AdminEvidence, provePostgresql } from './postgresql/index.js';
import { Targets } from './targets.js';
import { CHECKS, type Proof, summarizeProofs, type VerifyResult } from './types.js';

export interface VerifyOptions {
  file: string;
  /** `HOST:PORT:ADDRESS` */
  resolve?: readonly string[];
  /** `HOST:PORT:ADDRESS:PORT2` */
  connectTo?: readonly string[];
  /** Never read the admin URL: only what an integration itself can see. */
  clientOnly?: boolean;
  env?: NodeJS.ProcessEnv;
  now?: Date;
  /** Called with every secret value as it is read, e.g. to mask it in a CI log. */
  onSecret?: (value: string) => void;
}

/** Why verify cannot prove this file, when it cannot: the proofs speak each engine's protocol and catalogs, PostgreSQL's in postgresql/. */
export function unsupportedReason(config: EndpointsConfig): string | undefined {
  const unsupported = config.databases.find((database) => database.engine !== 'postgresql');
  if (unsupported) return `database ${unsupported.name} is ${unsupported.engine}; verify proves postgresql databases so far`;
  if (config.provider.kind !== 'postgres') return `provider ${config.provider.kind} is not supported yet; verify works with the postgres provider`;
  return undefined;
}

/**
 * Proves, integration by integration, that the live server behaves as the
 * file says, connecting as each integration does. Lint findings do not stop
 * it (that is lint's job), but a file that does not pass the schema does.
 */
export async function runVerify(options: VerifyOptions): Promise<VerifyResult> {
  const targets = Targets.parse(options.resolve ?? [], options.connectTo ?? []);
  const lint = await runLint([options.file]);
  const file = lint.files[0]!;
  if (!file.config) throw new ToolError(`${file.source.name} does not pass the schema; run dbfence lint ${file.source.name}`);
  const config = file.config;
  const unsupported = unsupportedReason(config);
  if (unsupported !== undefined || config.provider.kind !== 'postgres') throw new ToolError(`verify: ${unsupported ?? 'the provider is not postgres'}`);
  const secretValues: string[] = [];
  const secrets = envSecretResolver({
    baseDir: dirname(options.file),
    ...(options.env ? { env: options.env } : {}),
    onSecret: (value) => {
      secretValues.push(value);
      options.onSecret?.(value);
    },
  });
  const admin = options.clientOnly ? { unavailable: 'the admin URL is not used (--client-only)' } : openAdmin(config, secrets);
  try {
    const proofs = await provePostgresql({
      config, targets, secrets, admin,
      ca: config.provider.ca ? { pem: resolveProviderCaCertificate(config.provider, secrets), name: 'provider.ca' } : undefined,
      now: options.now ?? new Date(),
    });
    const ordered = sortProofs(config, proofs).map((proof) => ({ ...proof, detail: maskSecretsInText(proof.detail, secretValues) }));
    return { file: file.source.name, proofs: ordered, summary: summarizeProofs(ordered) };
  } finally {
    if ('session' in admin) await admin.session.close();
  }
}

/** The admin URL is extra evidence: when its reference does not resolve here, verify goes on without it. */
function openAdmin(config: EndpointsConfig, secrets: SecretResolver): AdminEvidence {
  if (config.provider.kind !== 'postgres') return { unavailable: 'the provider has no admin URL' };
  try {
    secrets.resolve(config.provider.adminUrl, 'provider.adminUrl');
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    return { unavailable: `the admin URL is not available (${error.message})` };
  }
  return { session: Session.open(config.provider.adminUrl, 'provider.adminUrl', secrets) };
}

/** The file's order of integrations, and a fixed order of checks within each. */
function sortProofs(config: EndpointsConfig, proofs: readonly Proof[]): Proof[] {
  const order = config.databases.flatMap((database: Database) => (database.integrations ?? []).map((i) => i.name));
  return [...proofs].sort((a, b) => order.indexOf(a.integration) - order.indexOf(b.integration) || CHECKS.indexOf(a.check) - CHECKS.indexOf(b.check));
}
