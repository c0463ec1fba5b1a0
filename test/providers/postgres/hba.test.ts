import { describe, expect, it } from 'vitest';
import { desiredState } from '../../../src/engines/postgresql/desired.js';
import { BLOCK_BEGIN, BLOCK_END, findBlock, hbaToken, renderBlock, spliceBlock } from '../../../src/edges/pg-hba/hba.js';
import { integration, ordersConfig } from './fixtures.js';

const FILE = [
  '# PostgreSQL Client Authentication Configuration File',
  '# TYPE  DATABASE        USER            ADDRESS                 METHOD',
  '',
  '# "local" is for Unix domain socket connections only',
  'local   all             all                                     scram-sha-256',
  "host\tall\tall\t127.0.0.1/32\tscram-sha-256   # a tab-aligned line with a back\\slash",
  '',
].join('\n');

function block(...integrations: Parameters<typeof integration>[]) {
  return renderBlock(desiredState(ordersConfig(integrations.map((args) => integration(...args)))).roles);
}

describe('pg_hba.conf block', () => {
  it('renders one hostssl line per source, then rejects the role everywhere else', () => {
    expect(block(['metabase', 'metabase_ro', { from: ['52.20.10.10', '34.90.0.0/28'] }])).toEqual([
      BLOCK_BEGIN,
      '# integration metabase (database orders)',
      'hostssl orders metabase_ro 52.20.10.10/32 scram-sha-256',
      'hostssl orders metabase_ro 34.90.0.0/28 scram-sha-256',
      'host all metabase_ro all reject',
      'local all metabase_ro reject',
      BLOCK_END,
    ]);
  });

  it('quotes names that pg_hba.conf would read as keywords or split', () => {
    expect(hbaToken('metabase_ro')).toBe('metabase_ro');
    expect(hbaToken('all')).toBe('"all"');
    expect(hbaToken('replication')).toBe('"replication"');
    expect(hbaToken('orders-eu')).toBe('"orders-eu"');
  });

  it('goes ahead of the first rule and its comment, leaving every other byte alone', () => {
    const lines = block(['metabase', 'metabase_ro']);
    const next = spliceBlock(FILE, lines);
    expect(next).toBe(FILE.replace('# "local" is for', `${lines.join('\n')}\n\n# "local" is for`));
    expect(findBlock(next)).toMatchObject({ aheadOfRules: true, rules: ['hostssl orders metabase_ro 127.0.0.1/32 scram-sha-256', 'host all metabase_ro all reject', 'local all metabase_ro reject'] });
  });

  it('replaces its own block in place on every rewrite, and removes it when no integration is left', () => {
    const once = spliceBlock(FILE, block(['metabase', 'metabase_ro']));
    expect(spliceBlock(once, block(['metabase', 'metabase_ro']))).toBe(once);
    const changed = spliceBlock(once, block(['fivetran', 'fivetran_ro']));
    expect(changed).not.toContain('metabase_ro');
    expect(changed).toContain('hostssl orders fivetran_ro 127.0.0.1/32 scram-sha-256');
    expect(spliceBlock(changed, [])).toBe(FILE);
  });

  it('moves a block that someone put below other rules back to the top', () => {
    const below = `${FILE}${block(['metabase', 'metabase_ro']).join('\n')}\n`;
    expect(findBlock(below)?.aheadOfRules).toBe(false);
    expect(findBlock(spliceBlock(below, block(['metabase', 'metabase_ro'])))?.aheadOfRules).toBe(true);
  });

  it('refuses a block whose markers do not pair up instead of guessing which lines are its own', () => {
    expect(() => findBlock(`${BLOCK_BEGIN}\nhost all all all trust\n${FILE}`)).toThrow(/damaged/);
    expect(() => findBlock(`${BLOCK_END}\n${BLOCK_BEGIN}\n`)).toThrow(/damaged/);
  });
});
