import type { EndpointsConfig } from '../model/config.js';
import type { DocPath } from '../model/path.js';
import type { Report } from './rule.js';
import { checkSchema } from './schema-check.js';

/** The part of a file that passed the schema, with the way back from its paths to the file's. */
export interface ValidPart {
  config: EndpointsConfig;
  /** The file's path of a node the rules found at `path` in `config`. */
  originalPath(path: DocPath): (string | number)[];
  /** The file's paths of the items removed: what no rule read. */
  removed: DocPath[];
}

/**
 * Each pass removes the items holding a schema problem; a removal can leave its
 * list too short, which the next pass settles one level up (grant → integration
 * → database). Three levels of items, so a few passes always suffice.
 */
const MAX_PASSES = 4;

/**
 * The file without the items that failed the schema, so every rule can run on
 * the rest: a rule then only ever reads the declared shape. An item is the
 * smallest enclosing grant, endpoint, integration or database of a problem; an
 * integration goes with the endpoint it names, which would otherwise look
 * missing. Undefined when a problem lies outside every database (the version,
 * the provider, the defaults): the rules depend on those.
 */
export function validPart(data: unknown, problems: readonly Report[]): ValidPart | undefined {
  const origins = new WeakMap<readonly unknown[], readonly number[]>();
  let current = data;
  let remaining = problems;
  const removed: DocPath[] = [];
  for (let pass = 0; pass < MAX_PASSES && remaining.length > 0; pass++) {
    const before = current;
    const pruned = withoutItems(before, remaining, origins, (path) => removed.push(originalPath(before, path, origins)));
    if (pruned === undefined) return undefined;
    current = pruned;
    remaining = checkSchema(current);
  }
  if (remaining.length > 0) return undefined;
  const config = current as EndpointsConfig;
  return { config, originalPath: (path) => originalPath(config, path, origins), removed };
}

type Node = Record<string, unknown>;

/** Array index of each item to remove, per list: `databases`, and each database's `endpoints`, `integrations` and grants. */
function withoutItems(
  data: unknown, problems: readonly Report[], origins: WeakMap<readonly unknown[], readonly number[]>, remove: (item: DocPath) => void,
): unknown {
  const root = data as Node;
  const databases = root.databases as Node[];
  const dropDatabases = new Set<number>();
  const dropItems = new Map<Node, { at: number; endpoints: Set<number>; integrations: Set<number>; grants: Map<number, Set<number>> }>();
  const itemsOf = (database: Node, at: number) => {
    let items = dropItems.get(database);
    if (!items) dropItems.set(database, (items = { at, endpoints: new Set(), integrations: new Set(), grants: new Map() }));
    return items;
  };
  for (const { path } of problems) {
    const [top, d, list, i, sub, g] = path;
    if (top !== 'databases' || typeof d !== 'number') return undefined;
    const database = databases[d]!;
    if ((list === 'endpoints' || list === 'integrations') && typeof i === 'number') {
      const items = itemsOf(database, d);
      if (list === 'integrations' && sub === 'grants' && typeof g === 'number') {
        const grants = items.grants.get(i) ?? new Set<number>();
        items.grants.set(i, grants.add(g));
        remove(['databases', d, list, i, sub, g]);
      } else {
        items[list].add(i);
        remove(['databases', d, list, i]);
      }
    } else {
      dropDatabases.add(d);
      remove(['databases', d]);
    }
  }
  for (const [database, items] of dropItems) {
    const endpoints = listOf(database.endpoints);
    const gone = new Set([...items.endpoints].map((e) => endpoints[e]?.name).filter((name) => typeof name === 'string'));
    listOf(database.integrations).forEach((integration, i) => {
      if (!gone.has(integration?.endpoint as string)) return;
      items.integrations.add(i);
      remove(['databases', items.at, 'integrations', i]);
    });
  }
  const keptDatabases = keep(databases, dropDatabases, origins).map((database) => {
    const items = dropItems.get(database);
    if (!items) return database;
    const copy: Node = { ...database };
    if (Array.isArray(database.endpoints)) copy.endpoints = keep(database.endpoints, items.endpoints, origins);
    if (Array.isArray(database.integrations)) {
      const integrations = (database.integrations as Node[]).map((integration, i) => {
        const grants = items.grants.get(i);
        return grants && Array.isArray(integration?.grants) ? { ...integration, grants: keep(integration.grants, grants, origins) } : integration;
      });
      origins.set(integrations, origins.get(database.integrations) ?? integrations.map((_, i) => i));
      copy.integrations = keep(integrations, items.integrations, origins);
    }
    return copy;
  });
  return { ...root, databases: keptDatabases };
}

/** A list of the file as the schema expects it, or none: a problem elsewhere in the database may be that it is not a list. */
function listOf(value: unknown): (Node | undefined)[] {
  return Array.isArray(value) ? value.map((item) => (item !== null && typeof item === 'object' ? item as Node : undefined)) : [];
}

/** The list without the indexes in `drop`, remembering where each kept item stood in the file. */
function keep<T>(list: readonly T[], drop: ReadonlySet<number>, origins: WeakMap<readonly unknown[], readonly number[]>): T[] {
  const before = origins.get(list);
  const kept: T[] = [];
  const from: number[] = [];
  list.forEach((item, i) => {
    if (drop.has(i)) return;
    kept.push(item);
    from.push(before?.[i] ?? i);
  });
  origins.set(kept, from);
  return kept;
}

function originalPath(config: unknown, path: DocPath, origins: WeakMap<readonly unknown[], readonly number[]>): (string | number)[] {
  let node = config;
  return path.map((segment) => {
    const list = Array.isArray(node) ? node : undefined;
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[segment] : undefined;
    return list && typeof segment === 'number' ? (origins.get(list)?.[segment] ?? segment) : segment;
  });
}
