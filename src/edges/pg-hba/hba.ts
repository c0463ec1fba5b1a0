import { ToolError } from '../../errors.js';
import type { DocPath } from '../../model/path.js';
import type { DesiredRole } from '../../engines/postgresql/desired.js';

/**
 * The marked block of pg_hba.conf that dbfence owns. PostgreSQL uses the
 * first line that matches a connection, so the block sits ahead of every other
 * rule: a managed role may connect over TLS from its `from` addresses to its
 * own database, and is rejected everywhere else whatever the rules below say.
 */
export const BLOCK_BEGIN = '# BEGIN dbfence: managed block, rewritten by `dbfence apply`; do not edit';
export const BLOCK_END = '# END dbfence';

const BEGIN_PREFIX = '# BEGIN dbfence';
const END_PREFIX = '# END dbfence';

/** Words pg_hba.conf gives a meaning of their own in the database and user columns. */
const KEYWORDS = new Set(['all', 'sameuser', 'samerole', 'samegroup', 'replication']);

/** A database or role name as a pg_hba.conf token: quoted unless it is a plain lowercase name. */
export function hbaToken(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !KEYWORDS.has(name) ? name : `"${name}"`;
}

function unquote(token: string): string {
  return token.startsWith('"') && token.endsWith('"') ? token.slice(1, -1) : token;
}

/** What a line of the block means, to name it in a plan. */
export interface HbaRule {
  /** `postgres.hba.<user>.<cidr>` or `postgres.hba.<user>.reject`; unknown lines get `postgres.hba.line`. */
  address: string;
  description: string;
}

/** One line the file should hold, with where endpoints.yaml asks for it. */
export interface DesiredHbaLine {
  line: string;
  rule: HbaRule;
  path: DocPath;
}

export function allowLine(database: string, user: string, cidr: string): string {
  return `hostssl ${hbaToken(database)} ${hbaToken(user)} ${cidr} scram-sha-256`;
}

export function rejectLines(user: string): string[] {
  return [`host all ${hbaToken(user)} all reject`, `local all ${hbaToken(user)} reject`];
}

/** The rule lines of the block, in order: per integration its allowed sources, then the rejection of everything else. */
export function desiredHbaLines(roles: readonly DesiredRole[]): DesiredHbaLine[] {
  const lines: DesiredHbaLine[] = [];
  for (const role of roles) {
    for (const source of role.sources) {
      const line = allowLine(role.database, role.user, source.cidr);
      lines.push({ line, rule: describeLine(line), path: source.path });
    }
    for (const line of rejectLines(role.user)) lines.push({ line, rule: describeLine(line), path: role.path });
  }
  return lines;
}

/**
 * The block's text: the markers, the lines of other files (`kept`, as they
 * were), then a comment per integration of this file and its rules. Every
 * line names one role, and PostgreSQL only compares lines of the same role
 * with each other, so the files' sections may come in any order.
 */
export function renderBlock(roles: readonly DesiredRole[], kept: readonly string[] = []): string[] {
  if (roles.length === 0 && kept.length === 0) return [];
  const lines = [BLOCK_BEGIN, ...kept];
  for (const role of roles) {
    lines.push(`# integration ${role.integration} (database ${role.database}${role.owner === undefined ? '' : `, owner ${role.owner}`})`);
    for (const source of role.sources) lines.push(allowLine(role.database, role.user, source.cidr));
    lines.push(...rejectLines(role.user));
  }
  lines.push(BLOCK_END);
  return lines;
}

/** A rule line with comments and spacing removed, so hand-aligned columns compare equal; undefined for blank or comment lines. */
export function normalizeLine(line: string): string | undefined {
  const hash = line.indexOf('#');
  const tokens = (hash === -1 ? line : line.slice(0, hash)).trim().split(/\s+/).filter((t) => t !== '');
  return tokens.length === 0 ? undefined : tokens.join(' ');
}

export function describeLine(line: string): HbaRule {
  const tokens = line.split(' ');
  const [type, database, user, address, method] = tokens;
  if (type === 'hostssl' && tokens.length === 5 && database && user && address && method === 'scram-sha-256') {
    const role = unquote(user);
    return {
      address: `postgres.hba.${role}.${address}`,
      description: `${role} may connect to ${unquote(database)} from ${address} over TLS`,
    };
  }
  const rejected = type === 'host' && tokens.length === 5 && method === 'reject' ? user
    : type === 'local' && tokens.length === 4 && tokens[3] === 'reject' ? user : undefined;
  if (rejected !== undefined && database === 'all') {
    const role = unquote(rejected);
    return { address: `postgres.hba.${role}.reject`, description: `${role} is rejected from every other source and database` };
  }
  return { address: 'postgres.hba.line', description: `the line "${line}"` };
}

/** The role a normalised rule line names in its user column; undefined for a line of another shape. */
export function lineUser(rule: string): string | undefined {
  const [type, , user] = rule.split(' ');
  return user !== undefined && (type === 'local' || type?.startsWith('host')) ? unquote(user) : undefined;
}

/**
 * The block's lines for the roles `kept` accepts (those of other files), as
 * they are, each run after the comment lines above it.
 */
export function keptLines(block: HbaBlock | undefined, kept: (user: string) => boolean): string[] {
  const out: string[] = [];
  let comments: string[] = [];
  for (const line of block?.body ?? []) {
    const rule = normalizeLine(line);
    if (rule === undefined) {
      if (line.trim() !== '') comments.push(line);
      continue;
    }
    const user = lineUser(rule);
    if (user !== undefined && kept(user)) out.push(...comments, line);
    comments = [];
  }
  return out;
}

export interface HbaBlock {
  /** Index of the BEGIN and END marker lines in the file. */
  start: number;
  end: number;
  /** The lines between the markers, as they are. */
  body: string[];
  /** Rule lines inside the block, normalised. */
  rules: string[];
  /** True when no rule of the file comes before the block. */
  aheadOfRules: boolean;
}

/** Finds the block in the file; a half or doubled block is a ToolError, since rewriting it could drop a rule. */
export function findBlock(text: string): HbaBlock | undefined {
  const lines = text.split('\n');
  const begins = lines.flatMap((line, i) => (line.trim().startsWith(BEGIN_PREFIX) ? [i] : []));
  const ends = lines.flatMap((line, i) => (line.trim().startsWith(END_PREFIX) ? [i] : []));
  if (begins.length === 0 && ends.length === 0) return undefined;
  const [start] = begins;
  const [end] = ends;
  if (begins.length !== 1 || ends.length !== 1 || start === undefined || end === undefined || end < start) {
    throw new ToolError('pg_hba.conf: the dbfence block is damaged (its BEGIN and END lines do not pair up); fix the file by hand');
  }
  const body = lines.slice(start + 1, end);
  const rules = body.map(normalizeLine).filter((l): l is string => l !== undefined);
  const aheadOfRules = lines.slice(0, start).every((line) => normalizeLine(line) === undefined);
  return { start, end, body, rules, aheadOfRules };
}

/**
 * The file with the block replaced by `block`: the old block removed, the new
 * one placed ahead of the first rule and the comments right above it, every
 * other line kept as it was.
 */
export function spliceBlock(text: string, block: readonly string[]): string {
  const lines = text.split('\n');
  const found = findBlock(text);
  // The blank line written after the block goes with it, so rewrites do not pile up blank lines.
  if (found) lines.splice(found.start, found.end - found.start + 1 + (lines[found.end + 1] === '' ? 1 : 0));
  if (block.length === 0) return lines.join('\n');
  let at = lines.findIndex((line) => normalizeLine(line) !== undefined);
  if (at === -1) at = lines.length > 0 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  // Comments right above the first rule describe that rule: the block goes above them.
  while (at > 0 && lines[at - 1]!.trim().startsWith('#')) at -= 1;
  lines.splice(at, 0, ...block, '');
  return lines.join('\n');
}
