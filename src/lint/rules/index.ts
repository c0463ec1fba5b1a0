import { type AnyRule, docsUrl, planRuleMeta, type RuleMeta } from '../rule.js';
import allowlistBreadth from './allowlist-breadth.js';
import allowlistRequired from './allowlist-required.js';
import cidrHostBits from './cidr-host-bits.js';
import heartbeatBelowIdleTimeout from './heartbeat-below-idle-timeout.js';
import integrationOwner from './integration-owner.js';
import noAdminCredential from './no-admin-credential.js';
import noInlineSecrets from './no-inline-secrets.js';
import noSensitiveGrants from './no-sensitive-grants.js';
import noWorldOpen from './no-world-open.js';
import nonRoutableSource from './non-routable-source.js';
import privateEndpointAccounts from './private-endpoint-accounts.js';
import privateEndpointAllowlist from './private-endpoint-allowlist.js';
import providerLimits from './provider-limits.js';
import readOnlyGrants from './read-only-grants.js';
import sourceWithinAllowlist from './source-within-allowlist.js';
import tlsVerifyFull from './tls-verify-full.js';
import uniqueNames from './unique-names.js';
import uniqueUserPerIntegration from './unique-user-per-integration.js';

/** Every built-in lint-time rule: the spec's, in its order, then the provider-aware one. */
export const BUILTIN_RULES: readonly AnyRule[] = [
  noWorldOpen,
  allowlistBreadth,
  allowlistRequired,
  nonRoutableSource,
  cidrHostBits,
  privateEndpointAllowlist,
  privateEndpointAccounts,
  uniqueUserPerIntegration,
  noAdminCredential,
  readOnlyGrants,
  noSensitiveGrants,
  tlsVerifyFull,
  sourceWithinAllowlist,
  heartbeatBelowIdleTimeout,
  uniqueNames,
  noInlineSecrets,
  integrationOwner,
  providerLimits,
];

/** Checks that need the live state: their findings come from `plan`. */
export const PLAN_RULES: readonly RuleMeta[] = [
  planRuleMeta('destructive-change', 'error',
    'Destroying or recreating an endpoint or dropping a user cuts someone off; it should never happen by accident.',
    'A change destroys or recreates an endpoint (e.g. public ↔ private) or drops a user, and it is not acknowledged.'),
  planRuleMeta('certificate-expiry', 'warning',
    'An expired certificate or one missing a hostname breaks every client that verifies it, all at once.',
    'A served certificate expires within `renewBefore`, or does not name every endpoint hostname.'),
  planRuleMeta('accounts-unmanaged', 'warning',
    'A plan that shows no change for an integration reads as "its user exists as declared"; when dbfence does not manage that database\'s users, the plan must say so.',
    'An integration\'s user and grants are not managed on its database: no `databases[].adminUrl` on aptible or skysql, or an engine whose users dbfence does not manage there.'),
  planRuleMeta('plaintext-logins', 'warning',
    'An account that may log in over plain TCP sends its password and data in clear; TLS on dbfence\'s own accounts does not protect the others on the same server.',
    'A self-managed MariaDB has `require_secure_transport` OFF: accounts without `REQUIRE SSL` (every account dbfence does not manage) may log in without TLS.'),
  planRuleMeta('wide-account-access', 'warning',
    'dbfence gives each integration exactly the access the file declares; an anonymous account, a privilege every account holds or a host name lookup gives access no file declares, to every account at once.',
    'A MariaDB or MySQL server whose accounts dbfence manages has an anonymous account, privileges granted to `PUBLIC` or roles in `mandatory_roles`, or resolves client host names (`skip_name_resolve` off).'),
  planRuleMeta('drift', 'warning',
    'A change made by hand in a dashboard is a change nobody reviewed, and the next apply will undo it.',
    'The live state differs from what the file on the default branch declares.'),
];

/** Findings about the file itself rather than a rule: they cannot be turned off or waived. */
export const CORE_CHECKS: readonly RuleMeta[] = [
  { id: 'syntax', severity: 'error', phase: 'lint', rationale: 'A file that is not well-formed YAML cannot be read the same way by every tool.', description: 'The file is not valid YAML, is empty, too large, not UTF-8, or uses duplicate keys, tab indentation, too many aliases, nesting deeper than 256 levels or more than 1,000,000 YAML nodes.', docsUrl: docsUrl('syntax') },
  { id: 'schema', severity: 'error', phase: 'lint', rationale: 'A key or value the format does not define is a typo or a misunderstanding, and would otherwise be ignored.', description: 'The file does not match the endpoints.yaml v1 schema, or a CIDR is not written in its standard form.', docsUrl: docsUrl('schema') },
  { id: 'waiver', severity: 'error', phase: 'lint', rationale: 'A waiver without a reason or past its date hides a problem nobody is answering for.', description: 'A `dbfence-ignore` comment is malformed, names an unknown rule, has no reason, has expired, is not on a line of its own, is not followed by a node, or waivers are forbidden by a policy pack.', docsUrl: docsUrl('waiver') },
  { id: 'unused-waiver', severity: 'warning', phase: 'lint', rationale: 'A waiver that waives nothing is noise that will one day hide a real finding.', description: 'A `dbfence-ignore` comment waives no finding.', docsUrl: docsUrl('unused-waiver') },
];

