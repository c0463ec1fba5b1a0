import type { Database, EndpointsConfig } from '../model/config.js';
import type { PlanNotice } from './types.js';

/**
 * `accounts-unmanaged`: one notice per integration of a database whose users
 * and grants this run does not manage, at the integration, with why. Without
 * it a plan that shows no change would read as "the users exist as declared".
 * `why` gives the reason for a database, or undefined when it is managed.
 */
export function unmanagedAccountNotices(
  config: EndpointsConfig, why: (database: Database, index: number) => string | undefined,
): PlanNotice[] {
  const notices: PlanNotice[] = [];
  config.databases.forEach((database, d) => {
    const reason = why(database, d);
    if (reason === undefined) return;
    (database.integrations ?? []).forEach((integration, i) => {
      notices.push({
        ruleId: 'accounts-unmanaged',
        message: `integration ${integration.name}: user ${integration.user} and its grants are not managed, so the plan shows no change for them whatever the database holds: ${reason}`,
        address: `${config.provider.kind}.accounts.${database.name}.${integration.user}`,
        path: ['databases', d, 'integrations', i],
      });
    });
  });
  return notices;
}

/** Which file a managed account belongs to: this one, none yet (this file may take it over), or another, in words. */
export type AccountOwnership = 'mine' | 'unclaimed' | { other: string };

/**
 * Which file an account an engine marks as managed (PostgreSQL's role
 * comment, MariaDB's row in dbfence.accounts) belongs to, from what its mark
 * records. A mark that names an owner belongs to the file with that
 * `provider.owner`; one without (written by files without an owner, and by
 * every version before owners) belongs to the file that declares its
 * database, and a file that has just set `provider.owner` takes over the
 * unowned accounts of its databases.
 */
export function accountOwnership(
  file: { owner: string | undefined; databases: readonly { name: string }[] }, mark: { owner: string | undefined; database: string },
): AccountOwnership {
  if (mark.owner !== undefined) return mark.owner === file.owner ? 'mine' : { other: `the file with provider.owner ${mark.owner}` };
  if (!file.databases.some((database) => database.name === mark.database)) return { other: `the file of database ${mark.database}` };
  return file.owner === undefined ? 'mine' : 'unclaimed';
}
