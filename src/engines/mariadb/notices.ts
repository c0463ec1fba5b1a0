import type { PlanNotice } from '../../plan/types.js';
import type { MariadbDesiredState } from './desired.js';
import type { MariadbLive } from './live.js';

export const WIDE_ACCESS_RULE = 'wide-account-access';

/**
 * What shadows or widens every managed account without being one of them:
 * anonymous accounts (`''@host`, which a client with any user name can match
 * ahead of a managed account at a less specific host), privileges granted to
 * MariaDB's `PUBLIC` (which every account holds), MySQL's `mandatory_roles`
 * (which every account is granted), and client host names being resolved
 * (a name can then match a host pattern).
 */
export function wideAccessNotices(state: MariadbDesiredState, live: MariadbLive): PlanNotice[] {
  const path = state.adminUrlPath;
  const notices: PlanNotice[] = [];
  for (const account of live.accounts.get('') ?? []) {
    notices.push({
      ruleId: WIDE_ACCESS_RULE,
      message: `the server has the anonymous account ''@'${account.host}': a client with any user name can log in as it, and it can shadow a managed account; drop it (DROP USER ''@'${account.host}')`,
      address: `mariadb.anonymous.${account.host}`, path,
    });
  }
  const publicGrants = live.privileges.filter((p) => p.user === 'PUBLIC');
  const byTarget = new Map<string, string[]>();
  for (const grant of publicGrants) {
    const target = grant.level === 'global' ? '*.*' : grant.level === 'database' ? `${grant.database}.*` : `${grant.database}.${grant.object ?? ''}`;
    byTarget.set(target, [...(byTarget.get(target) ?? []), grant.privilege]);
  }
  for (const [target, privileges] of byTarget) {
    notices.push({
      ruleId: WIDE_ACCESS_RULE,
      message: `PUBLIC holds ${[...new Set(privileges)].join(', ')} on ${target}: every account, managed ones included, has them; revoke them unless every integration should`,
      address: `mariadb.public.${target}`, path,
    });
  }
  for (const role of live.mandatoryRoles) {
    notices.push({
      ruleId: WIDE_ACCESS_RULE,
      message: `mandatory_roles names '${role.user}'@'${role.host}': every account, managed ones included, is granted it and its privileges; remove it from mandatory_roles unless every integration should have them`,
      address: `mariadb.mandatory-role.${role.user}@${role.host}`, path,
    });
  }
  if (!live.skipNameResolve) {
    notices.push({
      ruleId: WIDE_ACCESS_RULE,
      message: 'skip_name_resolve is OFF: the server looks up client host names, and an account at a host name pattern can admit a client whose reverse DNS its owner controls; set skip_name_resolve=ON (needs a restart)',
      address: 'mariadb.skip-name-resolve', path,
    });
  }
  return notices;
}
