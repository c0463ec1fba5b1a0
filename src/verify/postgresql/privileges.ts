import type pg from 'pg';
import type { Integration } from '../../model/config.js';
import { errorMessage } from '../../engines/postgresql/connect.js';
import { tablePrivileges } from '../../engines/postgresql/diff.js';
import { ident, qualified } from '../../engines/postgresql/sql.js';
import type { Check, Proof } from '../types.js';

/** SQLSTATEs of a write the server refused: no privilege, or a read-only transaction the role is held to. */
const DENIED = new Set(['42501', '25006']);
const WRITES = ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];
/** Privileges granted per column too: any column's counts. */
const COLUMN_PRIVILEGES = new Set(['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']);

interface Relation {
  schema: string;
  name: string;
  kind: string;
  partition: boolean;
  column: string | null;
  held: string[];
}

const RELATIONS_SQL = `
SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind, c.relispartition AS partition,
       (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum LIMIT 1) AS column,
       ARRAY(SELECT p FROM unnest($1::text[]) p
             WHERE CASE WHEN p = ANY($2::text[]) THEN has_any_column_privilege(c.oid, p) ELSE has_table_privilege(c.oid, p) END) AS held
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
ORDER BY 1, 2`;

/** A statement's outcome inside its own savepoint: undefined when it ran. */
type Attempt = { code: string; message: string } | undefined;

/**
 * Runs the probes on a connection as the integration's role (its own login,
 * or the admin's after `SET LOCAL ROLE`), inside one transaction that is
 * always rolled back, so not even a write the server wrongly allows stays.
 */
export async function probePrivileges(
  client: pg.ClientBase, role: string | undefined, integration: Integration, sensitive: readonly string[], how: string,
): Promise<Proof[]> {
  await client.query('BEGIN');
  try {
    if (role !== undefined) await client.query(`SET LOCAL ROLE ${ident(role)}`);
    const attempt = async (text: string): Promise<Attempt> => {
      await client.query('SAVEPOINT dbfence_probe');
      try {
        await client.query(text);
        await client.query('RELEASE SAVEPOINT dbfence_probe');
        return undefined;
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT dbfence_probe');
        return { code: (error as { code?: string }).code ?? '', message: errorMessage(error) };
      }
    };
    const [{ version }] = (await client.query<{ version: number }>("SELECT current_setting('server_version_num')::int AS version")).rows as [{ version: number }];
    const all = tablePrivileges(version);
    const relations = (await client.query<Relation>(RELATIONS_SQL, [all, [...COLUMN_PRIVILEGES]])).rows;
    const named = [...new Set((integration.grants ?? []).map((grant) => grant.table.slice(0, grant.table.indexOf('.'))))];
    const { rows } = await client.query<{ name: string }>('SELECT nspname::text AS name FROM pg_namespace WHERE nspname = ANY($1::text[])', [named]);
    const missingSchemas = named.filter((name) => !rows.some((row) => row.name === name));
    return await proofs({ integration, sensitive: new Set(sensitive), relations, missingSchemas, all, attempt, how });
  } finally {
    await client.query('ROLLBACK').catch(() => {});
  }
}

interface ProbeContext {
  integration: Integration;
  sensitive: Set<string>;
  relations: Relation[];
  /** Schemas the grants name that the database lacks: `schema.*` would otherwise prove nothing, silently. */
  missingSchemas: string[];
  all: string[];
  attempt(text: string): Promise<Attempt>;
  /** How the probes reached the server, for the details. */
  how: string;
}

async function proofs(context: ProbeContext): Promise<Proof[]> {
  const { integration, relations, sensitive, how } = context;
  const readOnly = (integration.access ?? 'read-only') === 'read-only';
  const granted = grantedPrivileges(context);
  const key = (relation: Relation): string => `${relation.schema}.${relation.name}`;
  const proof = (check: Check, problems: string[], success: string): Proof => ({
    integration: integration.name, check, ok: problems.length === 0,
    detail: `${problems.length === 0 ? success : listed(problems)} (${how})`,
  });
  const byName = new Map(relations.map((relation) => [key(relation), relation]));

  const readable: string[] = [];
  const unreadable = context.missingSchemas.map((name) => `schema ${name} does not exist`);
  for (const [name, privileges] of granted) {
    if (!privileges.has('SELECT')) continue;
    const relation = byName.get(name);
    const failure = relation ? await context.attempt(`SELECT * FROM ${qualified(relation.schema, relation.name)} LIMIT 0`) : { message: 'it does not exist' };
    if (failure) unreadable.push(`${name}: ${failure.message}`);
    else readable.push(name);
  }

  const leaks: string[] = [];
  for (const name of sensitive) {
    const relation = byName.get(name);
    if (!relation) continue;
    if (relation.held.length > 0) leaks.push(`${name}: holds ${relation.held.join(', ')}`);
    else if (!(await context.attempt(`SELECT * FROM ${qualified(relation.schema, relation.name)} LIMIT 0`))) leaks.push(`${name}: a SELECT ran`);
  }

  const writable: string[] = [];
  if (readOnly) {
    for (const relation of relations) {
      const name = key(relation);
      if (sensitive.has(name) || !(granted.has(name) || relation.held.some((p) => WRITES.includes(p)))) continue;
      const held = relation.held.filter((p) => WRITES.includes(p));
      if (held.length > 0) writable.push(`${name}: holds ${held.join(', ')}`);
      else if (relation.kind !== 'm') {
        const failure = await firstAllowedWrite(context, relation);
        if (failure) writable.push(`${name}: ${failure}`);
      }
    }
  }

  const extra: string[] = [];
  for (const relation of relations) {
    const name = key(relation);
    if (sensitive.has(name)) continue;
    const allowed = granted.get(name) ?? new Set<string>();
    const excess = relation.held.filter((p) => !allowed.has(p) && !(readOnly && WRITES.includes(p)));
    if (excess.length > 0) extra.push(`${name}: ${excess.join(', ')}`);
  }

  const proofs = [
    proof('grants-readable', unreadable, readable.length === 0 ? 'no table is granted SELECT' : `read ${readable.join(', ')} (no rows)`),
    proof('ungranted-denied', extra.map((text) => `holds ${text}, which the file does not grant`), 'holds no table privilege the file does not grant'),
  ];
  if (readOnly) proofs.push(proof('read-only', writable, 'every write was refused, in a transaction rolled back'));
  proofs.push(proof('sensitive-denied', leaks, sensitive.size === 0 ? 'the database lists no sensitive table' : `denied ${[...sensitive].filter((name) => byName.has(name)).join(', ') || 'every sensitive table (none exists)'}`));
  return proofs;
}

/** Tries each kind of write, none of which touches a row; says which one the server let through. */
async function firstAllowedWrite(context: ProbeContext, relation: Relation): Promise<string | undefined> {
  const target = qualified(relation.schema, relation.name);
  const writes = relation.column === null
    ? [`INSERT INTO ${target} DEFAULT VALUES`, `DELETE FROM ${target} WHERE false`]
    : [
      `INSERT INTO ${target} (${ident(relation.column)}) SELECT NULL WHERE false`,
      `UPDATE ${target} SET ${ident(relation.column)} = NULL WHERE false`,
      `DELETE FROM ${target} WHERE false`,
    ];
  for (const write of writes) {
    const outcome = await context.attempt(write);
    const verb = write.split(' ')[0]!;
    if (!outcome) return `${verb} was allowed`;
    if (!DENIED.has(outcome.code)) return `${verb} passed the privilege check and failed only on: ${outcome.message}`;
  }
  return undefined;
}

/** The file's grants, `schema.*` expanded to the schema's tables but its sensitive ones and partitions, `ALL` to every table privilege. */
function grantedPrivileges(context: ProbeContext): Map<string, Set<string>> {
  const granted = new Map<string, Set<string>>();
  for (const grant of context.integration.grants ?? []) {
    const dot = grant.table.indexOf('.');
    const schema = grant.table.slice(0, dot);
    const table = grant.table.slice(dot + 1);
    const names = table === '*'
      ? context.relations.filter((r) => r.schema === schema && !r.partition).map((r) => `${r.schema}.${r.name}`).filter((name) => !context.sensitive.has(name))
      : [grant.table];
    const privileges = grant.privileges.flatMap((p) => (p === 'ALL' ? context.all : p === 'USAGE' ? [] : [p]));
    for (const name of names) {
      const set = granted.get(name) ?? new Set<string>();
      privileges.forEach((p) => set.add(p));
      granted.set(name, set);
    }
  }
  return granted;
}

function listed(problems: readonly string[]): string {
  const shown = problems.slice(0, 5).join('; ');
  return problems.length > 5 ? `${shown}; and ${problems.length - 5} more` : shown;
}
