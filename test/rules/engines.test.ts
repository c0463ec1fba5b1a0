import { describe, expect, it } from 'vitest';
import { lintExample } from '../../src/lint/rules/examples/load.js';

/** An Aptible database of `engine` with one integration from `sources`, granted `privileges` on one table. */
function aptibleDatabase(engine: string, sources: string[], privileges: string[]): string {
  return `provider:
  kind: aptible
  environment: production
  token: { fromEnv: APTIBLE_TOKEN }
databases:
  - name: orders
    engine: ${engine}
    endpoints:
      - name: orders-public
        exposure: public
        allow: [{ cidr: 52.20.10.0/24 }]
    integrations:
      - name: metabase
        user: metabase
        endpoint: orders-public
        from: [${sources.map((source) => `"${source}"`).join(', ')}]
        grants:
          - table: orders.line_items
            privileges: [${privileges.join(', ')}]
`;
}

function findings(yaml: string, ruleIds: string[]) {
  return lintExample('provider-limits', { yaml, options: undefined }).filter((finding) => ruleIds.includes(finding.ruleId))
    .map(({ ruleId, path, message }) => ({ ruleId, path, message }));
}

describe('lint knows the engine', () => {
  it('refuses a privilege the engine does not have, at the privilege, and says why', () => {
    expect(findings(aptibleDatabase('mysql', ['52.20.10.10/32'], ['SELECT', 'USAGE']), ['schema'])).toEqual([{
      ruleId: 'schema',
      path: 'databases[0].integrations[0].grants[0].privileges[1]',
      message: '"USAGE" is not one of "SELECT", "INSERT", "UPDATE", "DELETE", "REFERENCES", "TRIGGER", "ALL" (On a mysql or mariadb database: there is no TRUNCATE privilege, since TRUNCATE TABLE needs DROP, and USAGE grants nothing)',
    }]);
    expect(findings(aptibleDatabase('postgresql', ['52.20.10.10/32'], ['SELECT', 'USAGE', 'TRUNCATE']), ['schema'])).toEqual([]);
  });

  it('refuses an engine the provider does not serve, at the engine', () => {
    const skysql = aptibleDatabase('postgresql', ['52.20.10.10/32'], ['SELECT'])
      .replace(/provider:[^]*?databases:/, 'provider:\n  kind: skysql\n  apiKey: { fromEnv: SKYSQL_API_KEY }\ndatabases:');
    expect(findings(skysql, ['provider-limits'])).toEqual([{
      ruleId: 'provider-limits', path: 'databases[0].engine', message: 'SkySQL serves mariadb databases; orders is postgresql',
    }]);
    expect(findings(aptibleDatabase('mariadb', ['52.20.10.10/32'], ['SELECT']), ['provider-limits'])).toEqual([{
      ruleId: 'provider-limits', path: 'databases[0].engine', message: 'Aptible serves postgresql and mysql databases; orders is mariadb',
    }]);
  });

  it('refuses an IPv6 range as the source of a self-managed MySQL or MariaDB account, whose host matches exact addresses only', () => {
    const selfManaged = aptibleDatabase('mysql', ['52.20.10.10/32', '2001:db8::/64', '2001:db8::7/128'], ['SELECT'])
      .replace(/provider:[^]*?databases:/, 'provider:\n  kind: mariadb\n  adminUrl: { fromEnv: DBFENCE_MARIADB_ADMIN_URL }\ndatabases:');
    expect(findings(selfManaged, ['provider-limits'])).toEqual([{
      ruleId: 'provider-limits',
      path: 'databases[0].integrations[0].from[1]',
      message: 'a mysql account matches an IPv6 client only by its exact address: list each address as /128 instead of 2001:db8::/64',
    }]);
    expect(findings(selfManaged.replace('engine: mysql', 'engine: mariadb'), ['provider-limits'])).toHaveLength(1);
  });

  it('leaves IPv6 sources on a platform to its filter: the accounts there are at %, behind its proxy', () => {
    const aptible = aptibleDatabase('mysql', ['52.20.10.10/32', '2001:db8::/64'], ['SELECT']);
    expect(findings(aptible, ['provider-limits'])).toEqual([]);
  });
});
