import { writeFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, parseDocument, type Node, type Scalar } from 'yaml';
import { ENDPOINTS_SCHEMA_TEXT } from '../generated/assets.js';
import { DEFAULT_MAX_FILE_BYTES, readRegularFile } from '../model/read.js';
import { FAMILY_BITS, parseCidr } from '../net/cidr.js';

export interface FixedText {
  text: string;
  /** How many values were rewritten. */
  fixes: number;
}

interface Edit {
  start: number;
  end: number;
  replacement: string;
}

/**
 * Rewrites the mechanical findings of endpoints.yaml text in place: a CIDR
 * with host bits set becomes its network (`cidr-host-bits`), a bare address
 * gets its `/32` or `/128`, a lower-case privilege is upper-cased. Only the
 * characters of those values change: comments, layout and quoting stay as
 * they were, byte for byte. A value reached through an alias, anchored,
 * tagged or written as a block scalar is left for a person to fix, as is any
 * file YAML cannot parse.
 */
export function fixText(text: string): FixedText {
  const document = parseDocument(text, { uniqueKeys: false });
  if (document.errors.length > 0) return { text, fixes: 0 };
  const edits: Edit[] = [];
  const fix = (node: unknown, rewrite: (value: string) => string | undefined) => {
    if (!isScalar(node) || typeof node.value !== 'string' || node.anchor || node.tag || !node.range) return;
    const replacement = rewrite(node.value);
    if (replacement === undefined || replacement === node.value) return;
    const written = quoted(node, replacement);
    if (written !== undefined) edits.push({ start: node.range[0], end: node.range[1], replacement: written });
  };
  for (const database of items(child(document.contents, 'databases'))) {
    for (const endpoint of items(child(database, 'endpoints'))) {
      for (const entry of items(child(endpoint, 'allow'))) fix(child(entry, 'cidr'), fixCidr);
    }
    for (const integration of items(child(database, 'integrations'))) {
      for (const source of items(child(integration, 'from'))) fix(source, fixCidr);
      for (const grant of items(child(integration, 'grants'))) {
        for (const privilege of items(child(grant, 'privileges'))) fix(privilege, fixPrivilege);
      }
    }
  }
  let fixed = text;
  for (const { start, end, replacement } of edits.sort((a, b) => b.start - a.start)) fixed = fixed.slice(0, start) + replacement + fixed.slice(end);
  return { text: fixed, fixes: edits.length };
}

/**
 * Fixes a file in place (only when something changes) and returns how many
 * values it rewrote. A file that cannot be read is a ToolError; one that
 * cannot be written throws the system's error, for the front end to word.
 */
export function fixFile(path: string, maxBytes = DEFAULT_MAX_FILE_BYTES): number {
  const read = readRegularFile(path, maxBytes);
  if (!('bytes' in read)) return 0; // too large: lint says so
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(read.bytes);
  } catch {
    return 0; // not UTF-8: lint says so
  }
  const { text: fixed, fixes } = fixText(text);
  if (fixes > 0) writeFileSync(path, fixed);
  return fixes;
}

function fixCidr(text: string): string | undefined {
  const parsed = parseCidr(text);
  if (!parsed.ok) return undefined;
  if (parsed.network.hostBitsSet) return parsed.network.canonical;
  return text.includes('/') ? undefined : `${text}/${FAMILY_BITS[parsed.network.family]}`;
}

let privileges: readonly string[] | undefined;

function fixPrivilege(text: string): string | undefined {
  // The schema's list is the one list of privileges.
  privileges ??= JSON.parse(ENDPOINTS_SCHEMA_TEXT).$defs.grant.properties.privileges.items.enum as string[];
  const upper = text.toUpperCase();
  return privileges.includes(upper) ? upper : undefined;
}

/** The value as the scalar was written: plain or in the same quotes; undefined for block scalars. */
function quoted(node: Scalar, value: string): string | undefined {
  switch (node.type) {
    case 'PLAIN': return value;
    case 'QUOTE_SINGLE': return `'${value}'`;
    case 'QUOTE_DOUBLE': return `"${value}"`;
    default: return undefined;
  }
}

function child(node: unknown, key: string): unknown {
  return isMap(node) ? node.get(key, true) : undefined;
}

function items(node: unknown): readonly Node[] {
  return isSeq(node) ? (node.items as Node[]) : [];
}
