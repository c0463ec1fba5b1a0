import { ToolError } from '../../errors.js';
import type { AllowEntry } from '../../model/config.js';
import { formatPath, type DocPath } from '../../model/path.js';
import { parseCidr } from '../../net/cidr.js';
import type { AllowListItem } from './api-types.js';

/** One allowlist entry as dbfence compares it: the CIDR written canonically, the comment as text. */
export interface AllowlistEntry {
  cidr: string;
  comment: string;
}

/** "IPv4 addresses and IPv4 netblocks", at most 30 per service, 200 on GCP (SkySQL firewall docs). */
function maxAllowlistEntries(cloud: string | undefined): number {
  return cloud === 'gcp' ? 200 : 30;
}

/** A live entry; a bare address reads as its /32, anything unparsable stays as written. */
export function liveAllowlistEntry(item: AllowListItem): AllowlistEntry {
  const parsed = parseCidr(item.ip);
  const cidr = parsed.ok && !parsed.network.hostBitsSet ? parsed.network.canonical : item.ip;
  return { cidr, comment: item.comment ?? '' };
}

/**
 * The file's allow entries as SkySQL takes them, or a ToolError naming the
 * entry SkySQL would refuse. The lint rule `provider-limits` reports the same
 * problems earlier; here the limit follows the cloud the service really runs on.
 */
export function desiredAllowlist(entries: readonly AllowEntry[], path: DocPath, service: string, cloud: string | undefined): AllowlistEntry[] {
  const max = maxAllowlistEntries(cloud);
  if (entries.length > max) {
    throw new ToolError(`${formatPath(path)}: SkySQL${cloud ? ` on ${cloud.toUpperCase()}` : ''} takes at most ${max} allowlist entries; ${service} has ${entries.length}`);
  }
  return entries.map((entry, index) => {
    const where = formatPath([...path, index, 'cidr']);
    const parsed = parseCidr(entry.cidr);
    if (!parsed.ok) throw new ToolError(`${where}: ${entry.cidr} is not a CIDR: ${parsed.reason}`);
    if (parsed.network.family !== 'ipv4') throw new ToolError(`${where}: SkySQL filters IPv4 only; ${entry.cidr} is IPv6`);
    if (parsed.network.hostBitsSet) throw new ToolError(`${where}: SkySQL requires the network address: write ${parsed.network.canonical}`);
    return { cidr: parsed.network.canonical, comment: entry.description ?? '' };
  });
}

export function toAllowListItems(entries: readonly AllowlistEntry[]): AllowListItem[] {
  return entries.map((entry) => ({ ip: entry.cidr, comment: entry.comment }));
}

export function sameAllowlist(a: readonly AllowlistEntry[], b: readonly AllowlistEntry[]): boolean {
  return describeAllowlistChange(a, b) === undefined;
}

/** "add 1.2.3.4/32 (office); remove 5.6.7.0/24; comment of 9.9.9.9/32 "a" → "b"", or undefined when equal. Order does not matter. */
export function describeAllowlistChange(before: readonly AllowlistEntry[], after: readonly AllowlistEntry[]): string | undefined {
  const was = new Map(before.map((entry) => [entry.cidr, entry.comment]));
  const will = new Map(after.map((entry) => [entry.cidr, entry.comment]));
  const added = [...will].filter(([cidr]) => !was.has(cidr)).map(([cidr, comment]) => (comment ? `${cidr} (${comment})` : cidr));
  const removed = [...was.keys()].filter((cidr) => !will.has(cidr));
  const recommented = [...will]
    .filter(([cidr, comment]) => was.has(cidr) && was.get(cidr) !== comment)
    .map(([cidr, comment]) => `${cidr} ${JSON.stringify(was.get(cidr))} → ${JSON.stringify(comment)}`);
  const parts = [
    added.length > 0 ? `add ${added.join(', ')}` : undefined,
    removed.length > 0 ? `remove ${removed.join(', ')}` : undefined,
    recommented.length > 0 ? `change the comment of ${recommented.join(', ')}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length > 0 ? parts.join('; ') : undefined;
}
