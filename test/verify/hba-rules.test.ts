import { describe, expect, it } from 'vitest';
import { type HbaFileRule, hbaProblems } from '../../src/verify/postgresql/hba-rules.js';

let line = 0;
function rule(type: string, database: string, user: string, address: string | null, netmask: string | null, method: string): HbaFileRule {
  line += 1;
  return { line_number: line, type, database: database.split(','), user_name: user.split(','), address, netmask, auth_method: method, error: null };
}

/** dbfence's block for metabase_ro from 52.20.10.10/32 to orders. */
function block(): HbaFileRule[] {
  return [
    rule('hostssl', 'orders', 'metabase_ro', '52.20.10.10', '255.255.255.255', 'scram-sha-256'),
    rule('host', 'all', 'metabase_ro', 'all', null, 'reject'),
    rule('local', 'all', 'metabase_ro', null, null, 'reject'),
  ];
}

const subject = { user: 'metabase_ro', database: 'orders', from: ['52.20.10.10/32'] };

describe('the server rules agree with from', () => {
  it('accepts dbfence block ahead of a permissive default file', () => {
    line = 0;
    const rules = [...block(), rule('host', 'all', 'all', '0.0.0.0', '0.0.0.0', 'trust'), rule('local', 'all', 'all', null, null, 'trust')];
    expect(hbaProblems(rules, subject)).toEqual([]);
  });

  it('names a line above the block that admits the user from outside from, without TLS or into other databases', () => {
    line = 0;
    const rules = [rule('host', 'all', 'all', '0.0.0.0', '0.0.0.0', 'trust'), ...block()];
    expect(hbaProblems(rules, subject)).toEqual([
      'pg_hba.conf line 1 (host all all 0.0.0.0/0 trust) lets metabase_ro connect to orders from outside from, connect to other databases than orders, connect without TLS',
    ]);
  });

  it('accepts a line inside from over TLS, and an earlier reject that settles an address', () => {
    line = 0;
    const rules = [
      rule('hostssl', 'orders', 'metabase_ro', '52.20.10.10', '255.255.255.255', 'md5'),
      rule('host', 'all', 'metabase_ro', '10.0.0.0', '255.0.0.0', 'reject'),
      rule('hostssl', 'orders', 'all', '10.1.0.0', '255.255.0.0', 'scram-sha-256'),
      ...block(),
    ];
    expect(hbaProblems(rules, subject)).toEqual([]);
  });

  it('counts a group, samenet or a database named like the user as matching when the line admits', () => {
    line = 0;
    const rules = [
      rule('hostssl', 'orders', '+readers', '192.0.2.0', '255.255.255.0', 'scram-sha-256'),
      rule('hostssl', 'orders', 'metabase_ro', 'samenet', null, 'scram-sha-256'),
      // A database named metabase_ro, over the socket.
      rule('local', 'sameuser', 'all', null, null, 'peer'),
      ...block(),
    ];
    expect(hbaProblems(rules, subject).map((text) => text.split(' (')[0])).toEqual(['pg_hba.conf line 1', 'pg_hba.conf line 2', 'pg_hba.conf line 3']);
  });

  it('flags a Unix socket line and an IPv6 line, and ignores lines of other users', () => {
    line = 0;
    const rules = [
      rule('local', 'all', 'all', null, null, 'trust'),
      rule('hostssl', 'all', 'metabase_ro', '::', '::', 'scram-sha-256'),
      rule('hostssl', 'all', 'someone_else', '0.0.0.0', '0.0.0.0', 'trust'),
      ...block(),
    ];
    expect(hbaProblems(rules, subject)).toEqual([
      "pg_hba.conf line 1 (local all all trust) lets metabase_ro connect through the server's Unix socket",
      'pg_hba.conf line 2 (hostssl all metabase_ro ::/0 scram-sha-256) lets metabase_ro connect to orders from outside from, connect to other databases than orders',
    ]);
  });
});
