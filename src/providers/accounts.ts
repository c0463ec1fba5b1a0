import type { Database, EndpointsConfig } from '../model/config.js';
import type { StepGroup } from '../plan/runner.js';
import type { Change, PlanNotice } from '../plan/types.js';

/** What a platform provider needs of an accounts engine (`postgresql`, `mariadb`). */
export interface AccountsEngine<State, Live> {
  inspect(states: readonly State[]): Promise<Live>;
  changes(state: State, live: Live): Change[];
  /** What the live state holds that widens access without being a change (the `mariadb` engine's anonymous accounts). */
  notices?(state: State, live: Live): PlanNotice[];
  /**
   * The steps of `changes` as a group that takes the engine's apply lock when
   * its turn comes, re-reads the accounts under it and runs only if they
   * still plan `changes` (each as `relabel` gives it); `where` names the
   * database in that refusal.
   */
  lockedSteps(state: State, changes: readonly Change[], relabel: (change: Change) => Change, where: string): StepGroup;
}

/**
 * The accounts of one database of a platform (an Aptible database, a SkySQL
 * service), through the engine that serves it. The engine's own types stay
 * inside, so one provider can hold databases of several engines; each reads
 * back only the live state it inspected itself.
 */
export interface DatabaseAccounts<Live = unknown> {
  /** `databases[].name`: the platform's name of the database. */
  handle: string;
  /** What the addresses of its changes start with: `<kind>.accounts.<handle>.`. */
  prefix: string;
  /** Undefined when no file in scope manages this database's accounts. */
  inspect(scope: readonly EndpointsConfig[]): Promise<Live | undefined>;
  changes(desired: EndpointsConfig, live: Live): Change[];
  notices(desired: EndpointsConfig, live: Live): PlanNotice[];
  /** The step group of its share of `changes`; undefined when it has none or `desired` does not manage its accounts. */
  steps(desired: EndpointsConfig, changes: readonly Change[]): StepGroup | undefined;
}

/**
 * One database's accounts through `engine`. `stateOf` is what a file asks of
 * the database's accounts, undefined when the file does not manage them. The
 * engine's addresses (`postgres.role.x`) are put under the database they are
 * on: `<kind>.accounts.<handle>.role.x`.
 */
export function databaseAccounts<State, Live>(
  kind: string, handle: string, engine: AccountsEngine<State, Live>, stateOf: (file: EndpointsConfig) => State | undefined,
): DatabaseAccounts<Live> {
  const prefix = `${kind}.accounts.${handle}.`;
  const under = (address: string) => `${prefix}${address.replace(/^[^.]+\./, '')}`;
  const onDatabase = (change: Change): Change => ({ ...change, address: under(change.address) });
  return {
    handle,
    prefix,
    async inspect(scope) {
      const states = scope.flatMap((file) => stateOf(file) ?? []);
      return states.length > 0 ? engine.inspect(states) : undefined;
    },
    changes(desired, live) {
      const state = stateOf(desired);
      return state ? engine.changes(state, live).map(onDatabase) : [];
    },
    notices(desired, live) {
      const state = stateOf(desired);
      return state && engine.notices ? engine.notices(state, live).map((notice) => ({ ...notice, address: under(notice.address) })) : [];
    },
    steps(desired, changes) {
      const state = stateOf(desired);
      const own = changes.filter((change) => change.address.startsWith(prefix));
      return state && own.length > 0 ? engine.lockedSteps(state, own, onDatabase, `the accounts of ${handle}`) : undefined;
    },
  };
}

/**
 * Where `file` declares the database named `handle`, when the file manages
 * its accounts; `unmanagedBecause` gives the reason a database's are not.
 */
export function managedIndex(
  file: EndpointsConfig, handle: string, unmanagedBecause: (database: Database, index: number) => string | undefined,
): number | undefined {
  const index = file.databases.findIndex((database) => database.name === handle);
  return index < 0 || unmanagedBecause(file.databases[index]!, index) !== undefined ? undefined : index;
}

/** Every database's live accounts, by handle: only those some file in scope manages. */
export async function inspectAccounts<Live>(databases: readonly DatabaseAccounts<Live>[], scope: readonly EndpointsConfig[]): Promise<Map<string, Live>> {
  const live = new Map<string, Live>();
  for (const database of databases) {
    const current = await database.inspect(scope);
    if (current !== undefined) live.set(database.handle, current);
  }
  return live;
}

export function accountChanges<Live>(databases: readonly DatabaseAccounts<Live>[], desired: EndpointsConfig, live: ReadonlyMap<string, Live>): Change[] {
  return databases.flatMap((database) => {
    const current = live.get(database.handle);
    return current === undefined ? [] : database.changes(desired, current);
  });
}

export function accountNotices<Live>(databases: readonly DatabaseAccounts<Live>[], desired: EndpointsConfig, live: ReadonlyMap<string, Live>): PlanNotice[] {
  return databases.flatMap((database) => {
    const current = live.get(database.handle);
    return current === undefined ? [] : database.notices(desired, current);
  });
}

/**
 * Each database's accounts as a step group, in turn, to run after the
 * edge's steps: each takes its database's lock only then, since an edge
 * step (Aptible's restart) ends every session opened before it.
 */
export function accountSteps(databases: readonly DatabaseAccounts[], desired: EndpointsConfig, changes: readonly Change[]): StepGroup[] {
  return databases.flatMap((database) => database.steps(desired, changes) ?? []);
}

/** Whether a change is one of the accounts' rather than the edge's. */
export function isAccountChange(kind: string, change: Change): boolean {
  return change.address.startsWith(`${kind}.accounts.`);
}
