/**
 * The typed shape of an `endpoints.yaml` (format v1) once it has passed the
 * schema. `schemas/endpoints.v1.json` is the authority; these types mirror it.
 */

/** A reference to a secret held outside the file. */
export type SecretRef = { fromEnv: string } | { fromFile: string };

export type Duration = string;

export interface PostgresProviderSettings {
  kind: 'postgres';
  adminUrl: SecretRef;
  /** The name this file's roles and pg_hba.conf lines carry; without it, the file owns the roles of its databases. */
  owner?: string;
  ca?: { certificate: SecretRef; key: SecretRef };
}

export interface AptibleProviderSettings {
  kind: 'aptible';
  environment: string;
  token: SecretRef;
  apiUrl?: string;
}

export interface SkysqlProviderSettings {
  kind: 'skysql';
  apiKey: SecretRef;
  apiUrl?: string;
  /** The organization sent as `X-MDB-Org`; without it, the key's default organization. */
  orgId?: string;
  cloud?: 'aws' | 'gcp' | 'azure';
}

export interface MariadbProviderSettings {
  kind: 'mariadb';
  adminUrl: SecretRef;
  /** The name this file's accounts are recorded under; without it, the file owns the accounts of its databases' users. */
  owner?: string;
  ca?: { certificate: SecretRef; key: SecretRef };
  /**
   * Where this machine writes the server certificate and key the server loads
   * (its ssl_cert and ssl_key): MariaDB cannot write files over SQL.
   */
  serverCertificate?: { certFile: string; keyFile: string };
}

export type ProviderSettings = PostgresProviderSettings | AptibleProviderSettings | SkysqlProviderSettings | MariadbProviderSettings;
export type ProviderKind = ProviderSettings['kind'];

export interface CertificateDefaults {
  validity?: Duration;
  renewBefore?: Duration;
}

export interface Defaults {
  idleTimeout?: Duration;
  certificates?: CertificateDefaults;
}

export interface AllowEntry {
  cidr: string;
  description?: string;
}

export type Exposure = 'public' | 'private';

export interface Endpoint {
  name: string;
  exposure: Exposure;
  hostname?: string;
  port?: number;
  idleTimeout?: Duration;
  tls?: { minVersion?: '1.0' | '1.1' | '1.2' | '1.3' };
  allow?: AllowEntry[];
  allowedAccounts?: string[];
}

export type Privilege =
  | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'REFERENCES' | 'TRIGGER' | 'USAGE' | 'ALL';

export interface Grant {
  /** `schema.table`, or `schema.*` for every table of the schema. */
  table: string;
  privileges: Privilege[];
}

export type Access = 'read-only' | 'read-write';
export type TlsVerify = 'full' | 'ca' | 'none';

export interface Integration {
  name: string;
  owner?: string;
  user: string;
  endpoint: string;
  access?: Access;
  from?: string[];
  grants?: Grant[];
  tls?: { verify?: TlsVerify };
  keepalive?: Duration;
  credentials?: {
    /** A reference; an inline string is accepted by the schema only so `no-inline-secrets` can name it. */
    password?: SecretRef | string;
    rotateEvery?: Duration;
  };
}

export type Engine = 'postgresql' | 'mysql' | 'mariadb';

export interface Database {
  name: string;
  engine: Engine;
  /** On a platform (aptible, skysql): the database's administrative connection, through which its integrations' users and grants are managed. */
  adminUrl?: SecretRef;
  sensitive?: string[];
  endpoints?: Endpoint[];
  integrations?: Integration[];
}

export interface EndpointsConfig {
  version: 1;
  provider: ProviderSettings;
  defaults?: Defaults;
  databases: Database[];
}
