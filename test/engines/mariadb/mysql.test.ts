import { describe, expect, it } from 'vitest';
import { engineSteps, withApplyLock } from '../../../src/engines/mariadb/apply.js';
import type { ServerAddress, SqlSession } from '../../../src/engines/mariadb/connect.js';
import { type Dialect, detectDialect } from '../../../src/engines/mariadb/dialect.js';
import { planChanges } from '../../../src/engines/mariadb/diff.js';
import { mariadbDesiredState } from '../../../src/engines/mariadb/index.js';
import { inspect, type MysqlAccountRow } from '../../../src/engines/mariadb/inspect.js';
import { wideAccessNotices } from '../../../src/engines/mariadb/notices.js';
import { cachingSha2String } from '../../../src/engines/mariadb/passwords.js';
import { runSteps } from '../../../src/plan/runner.js';
import type { PasswordRef } from '../../../src/providers/types.js';
import { integration, ordersFile } from './fixtures.js';

// No MySQL runs on this machine (Debian 12 has none): these tests feed the engine catalogue rows in the
// shapes MySQL 8's documentation gives, and check the statements it would send.

const MYSQL_80 = detectDialect('8.0.36', 'MySQL Community Server - GPL');
const MYSQL_84 = detectDialect('8.4.3', 'MySQL Community Server - GPL');

interface Catalogue {
  accounts: MysqlAccountRow[];
  privileges: { level: string; grantee: string; db: string | null; obj: string | null; col: string | null; privilege: string; routine_type: string | null; grantable: string }[];
  records: { user: string; host: string; integration: string; database: string; owner: string | null }[];
  mandatoryRoles?: string;
}

/** Answers the engine's reads from `catalogue`, by what each statement reads; records every statement. */
class RecordedSession implements SqlSession {
  statements = 0;
  readonly sent: string[] = [];
  readonly server: ServerAddress = { host: 'db.example.com', port: 3306, user: 'admin' };

  constructor(private readonly catalogue: Catalogue, private readonly serverDialect: Dialect = MYSQL_80) {}

  async dialect(): Promise<Dialect> {
    return this.serverDialect;
  }

  async query<Row>(sql: string): Promise<Row[]> {
    this.statements += 1;
    this.sent.push(sql.replace(/\s+/g, ' ').trim());
    const rows = (): unknown[] => {
      if (sql.includes('CURRENT_USER()')) return [{ admin: 'admin@%', skip_name_resolve: 1, mandatory_roles: this.catalogue.mandatoryRoles ?? '' }];
      if (sql.includes('FROM dbfence.accounts')) return this.catalogue.records;
      if (sql.includes('FROM mysql.user u')) return this.catalogue.accounts;
      if (sql.includes('information_schema.USER_PRIVILEGES')) return this.catalogue.privileges;
      if (sql.includes('information_schema.SCHEMATA')) return [{ name: 'orders' }, { name: 'mysql' }];
      if (sql.includes('information_schema.TABLES')) return [{ db: 'orders', name: 'line_items' }, { db: 'orders', name: 'customers' }];
      if (sql.includes('GET_LOCK')) return [{ locked: 1 }];
      return [];
    };
    return rows() as Row[];
  }
}

const OLD_SALT = Buffer.from('abcdefghijklmnopqrst');
const storedHex = (password: string, salt = OLD_SALT) => cachingSha2String(password, salt).toString('hex').toUpperCase();

function account(user: string, host: string, extra: Partial<MysqlAccountRow> = {}): MysqlAccountRow {
  return { user, host, plugin: 'caching_sha2_password', auth_hex: storedHex('metabase-secret'), ssl_type: 'ANY', account_locked: 'N', default_role: null, ...extra };
}

const record = (user: string, host: string, name: string) => ({ user, host, integration: name, database: 'orders', owner: null });
const grantee = (user: string, host: string) => `'${user}'@'${host}'`;

const FILE = ordersFile([
  integration('metabase', 'metabase_ro', 'METABASE_PW'),
  integration('looker', 'looker_ro', 'LOOKER_PW'),
]);
const PASSWORDS: Record<string, string> = { METABASE_PW: 'metabase-secret', LOOKER_PW: 'looker-secret' };
const passwords = ({ ref }: PasswordRef) => PASSWORDS['fromEnv' in ref ? ref.fromEnv : '']!;

describe('the server', () => {
  it('is MariaDB when its version says so, MySQL 8.0 and later otherwise; older ones are refused in one line', () => {
    expect(detectDialect('10.11.19-MariaDB-0+deb12u1', 'Debian 12').kind).toBe('mariadb');
    expect(MYSQL_80).toMatchObject({ kind: 'mysql', label: 'MySQL 8.0.36', defaultPlugin: 'caching_sha2_password', kept: ['caching_sha2_password', 'mysql_native_password'], revoke: 'REVOKE IF EXISTS' });
    // mysql_native_password is off by default on 8.4 (removed in 9.0); REVOKE IF EXISTS came with 8.0.30.
    expect(MYSQL_84.kept).toEqual(['caching_sha2_password']);
    expect(detectDialect('8.0.29', 'MySQL Community Server - GPL').revoke).toBe('REVOKE');
    expect(() => detectDialect('5.7.44', 'MySQL Community Server (GPL)')).toThrow('mariadb: the server runs MySQL 5.7.44; dbfence needs MariaDB 10.6 or MySQL 8.0 and later');
    expect(() => detectDialect('10.5.27-MariaDB', 'MariaDB Server')).toThrow(/runs MariaDB 10.5.27; dbfence needs MariaDB 10.6/);
  });
});

describe('a MySQL 8 server', () => {
  it('is inspected in the same fixed number of bulk reads, from MySQL\'s own catalogue tables', async () => {
    const session = new RecordedSession({ accounts: [], privileges: [], records: [] });
    const live = await inspect(session, [mariadbDesiredState(FILE)]);
    expect(live.statementCount).toBe(7);
    const reads = session.sent.join('\n');
    expect(reads).toContain('HEX(u.authentication_string)');
    expect(reads).toContain('FROM mysql.default_roles');
    expect(reads).toContain('FROM mysql.role_edges');
    expect(reads).toContain('FROM mysql.global_grants');
    expect(reads).toContain('@@mandatory_roles');
    expect(reads).not.toMatch(/global_priv|roles_mapping/);
  });

  it('plans nothing for accounts as declared: the password is checked by hashing the secret with the stored salt', async () => {
    const catalogue: Catalogue = {
      accounts: [account('metabase_ro', '127.0.0.1'), account('looker_ro', '127.0.0.1', { auth_hex: storedHex('looker-secret', Buffer.from('ZYXWVUTSRQPONMLKJIHG')) })],
      privileges: ['metabase_ro', 'looker_ro'].map((user) => ({ level: 'table', grantee: grantee(user, '127.0.0.1'), db: 'orders', obj: 'line_items', col: null, privilege: 'SELECT', routine_type: null, grantable: 'NO' })),
      records: [record('metabase_ro', '127.0.0.1', 'metabase'), record('looker_ro', '127.0.0.1', 'looker')],
    };
    const state = mariadbDesiredState(FILE);
    const live = await inspect(new RecordedSession(catalogue), [state]);
    expect(planChanges(state, live, passwords)).toEqual([]);
    PASSWORDS.LOOKER_PW = 'rotated';
    try {
      expect(planChanges(state, live, passwords).map((p) => [p.address, p.reason])).toEqual([
        ['mariadb.account.looker_ro@127.0.0.1', 'the password secret does not match the stored authentication string'],
      ]);
    } finally {
      PASSWORDS.LOOKER_PW = 'looker-secret';
    }
  });

  it('applies with MySQL\'s statements: caching_sha2_password in hex, roles as accounts, dynamic privileges revoked, REVOKE IF EXISTS', async () => {
    const catalogue: Catalogue = {
      accounts: [
        account('metabase_ro', '127.0.0.1', { auth_hex: storedHex('an old secret'), default_role: 'reporting@%' }),
        account('metabase_ro', '%'),
      ],
      privileges: [
        { level: 'table', grantee: grantee('metabase_ro', '127.0.0.1'), db: 'orders', obj: 'line_items', col: null, privilege: 'SELECT', routine_type: null, grantable: 'NO' },
        { level: 'role', grantee: grantee('metabase_ro', '127.0.0.1'), db: '%', obj: 'reporting', col: null, privilege: 'MEMBER', routine_type: null, grantable: 'NO' },
        { level: 'global', grantee: grantee('metabase_ro', '127.0.0.1'), db: null, obj: null, col: null, privilege: 'BACKUP_ADMIN', routine_type: null, grantable: 'NO' },
        { level: 'routine', grantee: grantee('metabase_ro', '127.0.0.1'), db: 'orders', obj: 'refund', col: null, privilege: 'Execute,Grant', routine_type: 'PROCEDURE', grantable: 'NO' },
      ],
      records: [record('metabase_ro', '127.0.0.1', 'metabase'), record('metabase_ro', '%', 'metabase')],
    };
    const session = new RecordedSession(catalogue);
    const state = mariadbDesiredState(FILE);
    const planned = planChanges(state, await inspect(new RecordedSession(catalogue), [state]), passwords);
    expect(planned.map((p) => p.reason).filter((reason) => reason.includes(' holds '))).toEqual([
      "'metabase_ro'@'127.0.0.1' holds the role reporting@%, which the file does not declare",
      "'metabase_ro'@'127.0.0.1' holds BACKUP_ADMIN on *.*, which the file does not declare",
      "'metabase_ro'@'127.0.0.1' holds Execute,Grant on PROCEDURE orders.refund, which the file does not declare",
      "'metabase_ro'@'127.0.0.1' holds the default role reporting@%, which the file does not declare",
    ]);
    const result = await withApplyLock(session, () => {}, async () => {
      const live = await inspect(session, [state]);
      const changes = planChanges(state, live, passwords);
      return runSteps(changes, engineSteps(session, changes, { dialect: live.dialect, password: passwords, log: () => {} }));
    });
    expect(result.ok).toBe(true);
    const hex = /0x[0-9A-F]{140}/;
    const sent = session.sent.slice(7 + 1).map((sql) => sql.replace(new RegExp(hex.source, 'g'), '0x…'));
    expect(session.sent[0]).toBe('SELECT /*+ MAX_EXECUTION_TIME(30000) */ GET_LOCK(?, ?) AS locked');
    expect(sent.filter((sql) => !sql.startsWith('CREATE DATABASE') && !sql.startsWith('CREATE TABLE'))).toEqual([
      "INSERT INTO dbfence.accounts (user, host, integration, db, owner) VALUES ('looker_ro', '127.0.0.1', 'looker', 'orders', NULL) ON DUPLICATE KEY UPDATE integration = VALUES(integration), db = VALUES(db), owner = VALUES(owner)",
      "CREATE USER 'looker_ro'@'127.0.0.1' IDENTIFIED WITH caching_sha2_password AS 0x… REQUIRE SSL ACCOUNT LOCK",
      "REVOKE 'reporting'@'%' FROM 'metabase_ro'@'127.0.0.1'",
      "REVOKE IF EXISTS BACKUP_ADMIN ON *.* FROM 'metabase_ro'@'127.0.0.1'",
      "REVOKE IF EXISTS Execute, GRANT OPTION ON PROCEDURE `orders`.`refund` FROM 'metabase_ro'@'127.0.0.1'",
      "SET DEFAULT ROLE NONE TO 'metabase_ro'@'127.0.0.1'",
      "REVOKE IF EXISTS ALL PRIVILEGES, GRANT OPTION FROM 'metabase_ro'@'%'",
      "DROP USER 'metabase_ro'@'%'",
      "DELETE FROM dbfence.accounts WHERE user = 'metabase_ro' AND host IN ('%')",
      'GRANT SELECT ON `orders`.`line_items` TO \'looker_ro\'@\'127.0.0.1\'',
      "ALTER USER 'looker_ro'@'127.0.0.1' ACCOUNT UNLOCK",
      "ALTER USER 'metabase_ro'@'127.0.0.1' IDENTIFIED WITH caching_sha2_password AS 0x…",
      'SELECT RELEASE_LOCK(?)',
    ]);
    // The string sent for the new account is the secret's, and nothing sent holds the secret itself.
    const created = session.sent.find((sql) => sql.startsWith("CREATE USER 'looker_ro'"))!;
    const stored = Buffer.from(hex.exec(created)![0].slice(2), 'hex');
    expect(cachingSha2String('looker-secret', stored.subarray(7, 27)).equals(stored)).toBe(true);
    expect(session.sent.join('\n')).not.toMatch(/looker-secret|metabase-secret/);
  });

  it('moves mysql_native_password accounts to caching_sha2_password on MySQL 8.4, and keeps them on 8.0', async () => {
    const native = `*${''.padEnd(40, '0')}`;
    const catalogue: Catalogue = {
      accounts: [account('metabase_ro', '127.0.0.1', { plugin: 'mysql_native_password', auth_hex: Buffer.from(native).toString('hex') })],
      privileges: [{ level: 'table', grantee: grantee('metabase_ro', '127.0.0.1'), db: 'orders', obj: 'line_items', col: null, privilege: 'SELECT', routine_type: null, grantable: 'NO' }],
      records: [record('metabase_ro', '127.0.0.1', 'metabase')],
    };
    const file = ordersFile([integration('metabase', 'metabase_ro', 'METABASE_PW')]);
    const state = mariadbDesiredState(file);
    const on84 = planChanges(state, await inspect(new RecordedSession(catalogue, MYSQL_84), [state]), passwords);
    expect(on84.map((p) => p.reason)).toEqual(['it authenticates with mysql_native_password, which dbfence does not use on MySQL 8.4.3']);
    expect(on84[0]!.operation).toMatchObject({ kind: 'alter-account', auth: { plugin: 'caching_sha2_password' } });
    const on80 = planChanges(state, await inspect(new RecordedSession(catalogue, MYSQL_80), [state]), passwords);
    expect(on80.map((p) => p.reason)).toEqual(['the password secret does not match the stored authentication string']);
    expect(on80[0]!.operation).toMatchObject({ kind: 'alter-account', auth: { plugin: 'mysql_native_password' } });
  });

  it('reports mandatory_roles and anonymous accounts as wide-account-access at the admin URL', async () => {
    const catalogue: Catalogue = { accounts: [account('', 'localhost')], privileges: [], records: [], mandatoryRoles: '`analyst`@`%`,auditor' };
    const state = mariadbDesiredState(FILE);
    const notices = wideAccessNotices(state, await inspect(new RecordedSession(catalogue), [state]));
    expect(notices.map((n) => [n.address, n.path])).toEqual([
      ['mariadb.anonymous.localhost', ['provider', 'adminUrl']],
      ['mariadb.mandatory-role.analyst@%', ['provider', 'adminUrl']],
      ['mariadb.mandatory-role.auditor@%', ['provider', 'adminUrl']],
    ]);
  });
});
