import type { PostgresqlOperation } from './diff.js';
import type { PasswordRef } from './passwords.js';
import type { RoleOption } from './live.js';
import { ROLE_OPTIONS } from './live.js';
import { scramVerifier } from './scram.js';
import { ident, identList, literal, qualified } from './sql.js';

/** One SQL statement and the plan changes it carries out (a batched GRANT serves many). */
export interface Statement {
  sql: string;
  changes: number[];
}

export interface Transaction {
  database: string;
  statements: Statement[];
}

/**
 * The work of an apply, in the order it must run. Roles are cluster-wide and
 * table privileges live in each database, so the work is one transaction on
 * the home database (roles, database grants, its own tables, the pg_hba.conf
 * swap before it commits), then one per other database, then the DROP ROLE of
 * roles that first had to be cleaned out of those databases.
 */
export interface ApplySteps {
  main: Transaction;
  others: Transaction[];
  final: Transaction | undefined;
  hba: { block: string[]; changes: number[] } | undefined;
  /** Sessions of dropped and gone roles, ended once everything committed; `changes` are the end-sessions ones, reported by that step. */
  terminate: { oids: number[]; changes: number[] };
}

/** Statement order inside one transaction: create before grant, grant before revoke, drops last. */
const enum Stage { Roles, Memberships, Databases, SchemaGrants, RelationGrants, RelationRevokes, SchemaRevokes, OtherRevokes, Nologin, Owned, Drop }

const BATCH = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function roleOptions(options: Partial<Record<RoleOption, boolean>>): string {
  return (Object.entries(options) as [RoleOption, boolean][])
    .map(([name, on]) => `${on ? '' : 'NO'}${ROLE_OPTIONS[name].keyword}`).join(' ');
}

/** The verifier, never the password, goes into the statement: it is what server logs would show. */
function verifierClause(password: string): string {
  return `PASSWORD ${literal(scramVerifier(password))}`;
}

function withClause(...parts: string[]): string {
  return parts.filter((part) => part !== '').join(' ');
}

class Builder {
  private readonly stages = new Map<string, Map<Stage, Statement[]>>();
  /** Grants that share a database, grantee set and privilege set become one statement over many objects. */
  private readonly batches = new Map<string, { database: string; stage: Stage; head: string; objects: string[]; tail: string; changes: number[] }>();

  constructor(private readonly home: string) {}

  add(database: string, stage: Stage, sql: string, change: number): void {
    let byStage = this.stages.get(database);
    if (!byStage) this.stages.set(database, (byStage = new Map()));
    let statements = byStage.get(stage);
    if (!statements) byStage.set(stage, (statements = []));
    statements.push({ sql, changes: [change] });
  }

  batch(database: string, stage: Stage, head: string, object: string, tail: string, change: number): void {
    const key = `${database}\0${stage}\0${head}\0${tail}`;
    let batch = this.batches.get(key);
    if (!batch) this.batches.set(key, (batch = { database, stage, head, objects: [], tail, changes: [] }));
    batch.objects.push(object);
    batch.changes.push(change);
  }

  /** Grants of one privilege set on one object to many roles: `GRANT CONNECT ON DATABASE d TO a, b`. */
  private readonly grantees = new Map<string, { database: string; stage: Stage; head: string; users: string[]; changes: number[] }>();

  grantTo(database: string, stage: Stage, head: string, user: string, change: number): void {
    const key = `${database}\0${stage}\0${head}`;
    let entry = this.grantees.get(key);
    if (!entry) this.grantees.set(key, (entry = { database, stage, head, users: [], changes: [] }));
    entry.users.push(user);
    entry.changes.push(change);
  }

  transaction(database: string): Transaction {
    for (const batch of this.batches.values()) {
      if (batch.database !== database) continue;
      chunks(batch.objects.map((o, i) => [o, batch.changes[i]!] as const), BATCH).forEach((chunk) => {
        const statements = this.bucket(database, batch.stage);
        statements.push({ sql: `${batch.head} ${chunk.map(([o]) => o).join(', ')} ${batch.tail}`, changes: chunk.map(([, c]) => c) });
      });
    }
    for (const entry of this.grantees.values()) {
      if (entry.database !== database) continue;
      chunks(entry.users.map((u, i) => [u, entry.changes[i]!] as const), BATCH).forEach((chunk) => {
        this.bucket(database, entry.stage).push({ sql: `${entry.head} TO ${identList(chunk.map(([u]) => u))}`, changes: chunk.map(([, c]) => c) });
      });
    }
    const byStage = this.stages.get(database) ?? new Map<Stage, Statement[]>();
    const statements = [...byStage.entries()].sort(([a], [b]) => a - b).flatMap(([, list]) => list);
    return { database, statements };
  }

  private bucket(database: string, stage: Stage): Statement[] {
    let byStage = this.stages.get(database);
    if (!byStage) this.stages.set(database, (byStage = new Map()));
    let statements = byStage.get(stage);
    if (!statements) byStage.set(stage, (statements = []));
    return statements;
  }

  databases(): string[] {
    const names = new Set([...this.stages.keys(), ...[...this.batches.values()].map((b) => b.database), ...[...this.grantees.values()].map((g) => g.database)]);
    names.delete(this.home);
    return [...names].sort();
  }
}

function relationStatements(builder: Builder, action: Extract<PostgresqlOperation, { kind: 'relation' }>, change: number): void {
  const kind = action.sequence ? 'SEQUENCE' : 'TABLE';
  const object = qualified(action.schema, action.name);
  const user = ident(action.user);
  if (action.grant.length > 0) {
    builder.batch(action.database, Stage.RelationGrants, `GRANT ${action.grant.join(', ')} ON ${kind}`, object, `TO ${user}`, change);
  }
  if (action.grantOption) builder.add(action.database, Stage.RelationRevokes, `REVOKE GRANT OPTION FOR ALL ON ${kind} ${object} FROM ${user}`, change);
  if (action.revoke.length > 0) {
    builder.batch(action.database, Stage.RelationRevokes, `REVOKE ${action.revoke.join(', ')} ON ${kind}`, object, `FROM ${user}`, change);
  }
}

function otherRevoke(action: Extract<PostgresqlOperation, { kind: 'other' }>): string {
  const user = ident(action.user);
  const grant = action.grant;
  switch (grant.type) {
    case 'column': return `REVOKE ALL (${ident(grant.column)}) ON TABLE ${grant.relation} FROM ${user}`;
    case 'object': return `REVOKE ALL ON ${grant.keyword} ${grant.target} FROM ${user}`;
    case 'default': return `ALTER DEFAULT PRIVILEGES FOR ROLE ${grant.owner}${grant.schema === null ? '' : ` IN SCHEMA ${grant.schema}`} REVOKE ALL ON ${grant.objects} FROM ${user}`;
    case 'unsupported': throw new Error(`no revoke for ${grant.kind}`);
  }
}

/**
 * Turns planned operations into the statements of each transaction (a
 * statement names its changes by index in `operations`). `home` is the
 * database the cluster-wide work runs in; `password` reads a referenced password.
 */
export function buildSteps(operations: readonly PostgresqlOperation[], home: string, password: (ref: PasswordRef) => string): ApplySteps {
  const passwordClause = (ref: PasswordRef | undefined) => (ref === undefined ? '' : verifierClause(password(ref)));
  const builder = new Builder(home);
  let hba: ApplySteps['hba'];
  const terminate: ApplySteps['terminate'] = { oids: [], changes: [] };
  const finalDrops: Statement[] = [];
  operations.forEach((action, change) => {
    switch (action.kind) {
      case 'create-role': {
        const options = roleOptions(Object.fromEntries(Object.entries(ROLE_OPTIONS).map(([name, o]) => [name, o.desired])));
        builder.add(home, Stage.Roles, `CREATE ROLE ${ident(action.user)} WITH ${withClause(options, passwordClause(action.password))}`, change);
        builder.add(home, Stage.Roles, `COMMENT ON ROLE ${ident(action.user)} IS ${literal(action.comment)}`, change);
        break;
      }
      case 'alter-role': {
        const clause = withClause(roleOptions(action.options), passwordClause(action.password));
        if (clause !== '') builder.add(home, Stage.Roles, `ALTER ROLE ${ident(action.user)} WITH ${clause}`, change);
        if (action.comment !== undefined) builder.add(home, Stage.Roles, `COMMENT ON ROLE ${ident(action.user)} IS ${literal(action.comment)}`, change);
        break;
      }
      case 'revoke-membership': {
        // From PostgreSQL 16 each grantor's membership is its own; a plain REVOKE only removes the revoker's.
        const revoke = `REVOKE ${ident(action.group)} FROM ${ident(action.user)}`;
        if (action.grantors.length === 0) builder.add(home, Stage.Memberships, revoke, change);
        for (const grantor of action.grantors) builder.add(home, Stage.Memberships, `${revoke} GRANTED BY ${ident(grantor)}`, change);
        break;
      }
      case 'database': {
        const database = ident(action.database);
        if (action.grant.length > 0) builder.grantTo(home, Stage.Databases, `GRANT ${action.grant.join(', ')} ON DATABASE ${database}`, action.user, change);
        if (action.grantOption) builder.add(home, Stage.Databases, `REVOKE GRANT OPTION FOR ALL ON DATABASE ${database} FROM ${ident(action.user)}`, change);
        if (action.revoke.length > 0) builder.add(home, Stage.Databases, `REVOKE ${action.revoke.join(', ')} ON DATABASE ${database} FROM ${ident(action.user)}`, change);
        break;
      }
      case 'schema': {
        const schema = ident(action.schema);
        if (action.grant.length > 0) builder.grantTo(action.database, Stage.SchemaGrants, `GRANT ${action.grant.join(', ')} ON SCHEMA ${schema}`, action.user, change);
        if (action.grantOption) builder.add(action.database, Stage.SchemaRevokes, `REVOKE GRANT OPTION FOR ALL ON SCHEMA ${schema} FROM ${ident(action.user)}`, change);
        if (action.revoke.length > 0) builder.add(action.database, Stage.SchemaRevokes, `REVOKE ${action.revoke.join(', ')} ON SCHEMA ${schema} FROM ${ident(action.user)}`, change);
        break;
      }
      case 'relation':
        relationStatements(builder, action, change);
        break;
      case 'other':
        builder.add(action.database, Stage.OtherRevokes, otherRevoke(action), change);
        break;
      case 'certificate':
        break;
      case 'hba':
        hba ??= { block: action.block, changes: [] };
        hba.changes.push(change);
        break;
      case 'drop-role': {
        const user = ident(action.user);
        // NOLOGIN first, and the marker stays until DROP ROLE: a drop that
        // stops halfway leaves a role that cannot log in and is still managed.
        builder.add(home, Stage.Nologin, `ALTER ROLE ${user} WITH NOLOGIN`, change);
        for (const database of new Set([home, ...action.databases])) {
          builder.add(database, Stage.Owned, `REASSIGN OWNED BY ${user} TO CURRENT_USER`, change);
          builder.add(database, Stage.Owned, `DROP OWNED BY ${user}`, change);
        }
        if (action.databases.every((database) => database === home)) builder.add(home, Stage.Drop, `DROP ROLE ${user}`, change);
        else finalDrops.push({ sql: `DROP ROLE ${user}`, changes: [change] });
        terminate.oids.push(action.oid);
        break;
      }
      case 'end-sessions':
        terminate.oids.push(...action.oids);
        terminate.changes.push(change);
        break;
    }
  });
  return {
    main: builder.transaction(home),
    others: builder.databases().map((database) => builder.transaction(database)),
    final: finalDrops.length > 0 ? { database: home, statements: finalDrops } : undefined,
    hba,
    terminate,
  };
}
