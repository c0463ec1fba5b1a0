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
