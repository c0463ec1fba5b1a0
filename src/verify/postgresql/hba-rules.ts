import ipaddr from 'ipaddr.js';
import { AddressSpace } from '../../net/address-space.js';
import { type Network, parseCidr } from '../../net/cidr.js';

/** A row of `pg_hba_file_rules`: the file on disk as the server parses it. */
export interface HbaFileRule {
  line_number: number;
  /** PostgreSQL 16 and later, which number rules across included files. */
  rule_number?: number | null;
  type: string | null;
  database: string[] | null;
  user_name: string[] | null;
  address: string | null;
  netmask: string | null;
  auth_method: string | null;
  error: string | null;
}

export interface HbaSubject {
  user: string;
  database: string;
  /** Canonical CIDRs of the integration's `from`. */
  from: readonly string[];
}

type Match = 'yes' | 'maybe' | 'no';
type Channel = 'tls' | 'plain' | 'local';

/** Which connection types each line type matches: `hostnossl` also matches GSS-encrypted connections. */
const CHANNEL_TYPES: Record<Channel, ReadonlySet<string>> = {
  tls: new Set(['host', 'hostssl', 'hostnogssenc']),
  plain: new Set(['host', 'hostnossl', 'hostgssenc', 'hostnogssenc']),
  local: new Set(['local']),
};

interface Context {
  channel: Channel;
  /** The integration's own database, or every other one. */
  own: boolean;
  what: string;
}

const WORLD: readonly Network[] = ['0.0.0.0/0', '::/0'].map((cidr) => (parseCidr(cidr) as { ok: true; network: Network }).network);

/**
 * Problems with the server's rules for one integration, walking the lines in
 * the order PostgreSQL tries them (the first line that matches decides): a
 * line that may match the user and lets it in from an address that no earlier
 * line has already decided and that `from` does not hold is a problem; so is
 * any line that lets it in without TLS, through the Unix socket, or into
 * another database. Lines whose match cannot be decided here (group
 * membership `+role`, regular expressions, host names, `samehost`) count as
 * matching when they admit and as not matching when they would reject, so an
 * unknown never hides an admission.
 */
export function hbaProblems(rules: readonly HbaFileRule[], subject: HbaSubject): string[] {
  const ordered = [...rules].filter((rule) => rule.error === null)
    .sort((a, b) => (a.rule_number ?? a.line_number) - (b.rule_number ?? b.line_number));
  const contexts: Context[] = [
    { channel: 'tls', own: true, what: `connect to ${subject.database} from outside from` },
    { channel: 'tls', own: false, what: `connect to other databases than ${subject.database}` },
    { channel: 'plain', own: true, what: 'connect without TLS' },
    { channel: 'plain', own: false, what: 'connect without TLS' },
    { channel: 'local', own: true, what: 'connect through the server\'s Unix socket' },
    { channel: 'local', own: false, what: 'connect through the server\'s Unix socket' },
  ];
  const found = new Map<number, { text: string; what: Set<string> }>();
  for (const context of contexts) {
    const settled = new AddressSpace();
    if (context.channel === 'tls' && context.own) {
      for (const cidr of subject.from) {
        const parsed = parseCidr(cidr);
        if (parsed.ok) settled.add(parsed.network);
      }
    }
    for (const rule of ordered) {
      if (WORLD.every((network) => settled.contains(network))) break;
      if (!CHANNEL_TYPES[context.channel].has(rule.type ?? '')) continue;
      const user = matchUser(rule.user_name ?? [], subject.user);
      const database = context.own ? matchOwnDatabase(rule.database ?? [], subject) : matchOtherDatabase(rule.database ?? [], subject);
      if (user === 'no' || database === 'no') continue;
      const sources = context.channel === 'local' ? WORLD : sourcesOf(rule);
      const admits = rule.auth_method !== 'reject';
      if (admits && !(sources ?? WORLD).every((network) => settled.contains(network))) {
        const entry = found.get(rule.line_number) ?? { text: describeRule(rule), what: new Set<string>() };
        entry.what.add(context.what);
        found.set(rule.line_number, entry);
      }
      if (user === 'yes' && database === 'yes' && sources) sources.forEach((network) => settled.add(network));
    }
  }
  return [...found.entries()].sort(([a], [b]) => a - b)
    .map(([line, { text, what }]) => `pg_hba.conf line ${line} (${text}) lets ${subject.user} ${[...what].join(', ')}`);
}

function matchUser(tokens: readonly string[], user: string): Match {
  let match: Match = 'no';
  for (const token of tokens) {
    if (token === 'all' || token === user) return 'yes';
    if (token.startsWith('+') || token.startsWith('/')) match = 'maybe';
  }
  return match;
}

function matchOwnDatabase(tokens: readonly string[], subject: HbaSubject): Match {
  let match: Match = 'no';
  for (const token of tokens) {
    if (token === 'all' || token === subject.database || (token === 'sameuser' && subject.database === subject.user)) return 'yes';
    if (token === 'samerole' || token === 'samegroup' || token.startsWith('/')) match = 'maybe';
  }
  return match;
}

/** Only `all` surely covers every other database; a named one covers just itself. */
function matchOtherDatabase(tokens: readonly string[], subject: HbaSubject): Match {
  let match: Match = 'no';
  for (const token of tokens) {
    if (token === 'all') return 'yes';
    if (token === 'replication' || token === subject.database || (token === 'sameuser' && subject.database === subject.user)) continue;
    match = 'maybe';
  }
  return match;
}

/** The networks a host line names; undefined for `samehost`, `samenet` and host names, which depend on the server's view. */
function sourcesOf(rule: HbaFileRule): readonly Network[] | undefined {
  const { address, netmask } = rule;
  if (address === null || address === 'all') return WORLD;
  if (!ipaddr.isValid(address) || netmask === null || !ipaddr.isValid(netmask)) return undefined;
  const prefix = ipaddr.parse(netmask).prefixLengthFromSubnetMask();
  if (prefix === null) return undefined;
  const parsed = parseCidr(`${ipaddr.parse(address).toString()}/${prefix}`);
  return parsed.ok ? [parsed.network] : undefined;
}

function describeRule(rule: HbaFileRule): string {
  const { address, netmask } = rule;
  let source = address ?? '';
  if (address !== null && netmask !== null && ipaddr.isValid(netmask)) {
    source = `${address}/${ipaddr.parse(netmask).prefixLengthFromSubnetMask() ?? netmask}`;
  }
  return [rule.type, (rule.database ?? []).join(','), (rule.user_name ?? []).join(','), source, rule.auth_method]
    .filter((part) => part !== null && part !== '').join(' ');
}
