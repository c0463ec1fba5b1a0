import {
  type Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLError,
} from 'yaml';
import { DocumentAliases } from './aliases.js';
import { LocationIndex } from './locations.js';
import { countLines, SourceFile } from './source.js';

/** A problem with the file as YAML, before any schema or rule sees it. */
export interface SourceProblem {
  message: string;
  start: number;
  end: number;
}

export interface ParsedDocument {
  source: SourceFile;
  /** The document as plain data (objects, arrays, scalars); undefined when it could not be read. */
  data: unknown;
  locations: LocationIndex;
  problems: SourceProblem[];
}

export interface ParseLimits {
  /**
   * How many nodes alias expansion may add to the whole document, against
   * "billion laughs" documents; counted before anything is expanded.
   */
  maxAliasNodes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxAliasNodes: 10_000 };

/**
 * From this size on, the `databases` list is parsed one item at a time (see
 * parseInChunks). Below it, one parse is as fast and simpler.
 */
export const CHUNKED_PARSE_MIN_LENGTH = 128 * 1024;

/** Keys that would reach an object's prototype if assigned; refused outright. */
const FORBIDDEN_KEYS = new Set(['__proto__']);

const PARSE_OPTIONS = { uniqueKeys: true, prettyErrors: false, keepSourceTokens: false } as const;

/** Parses one YAML document, keeping every node's source range. */
export function parseYaml(name: string, text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParsedDocument {
  return (text.length >= CHUNKED_PARSE_MIN_LENGTH ? parseInChunks(name, text, limits) : undefined)
    ?? parseWhole(name, text, limits);
}

function parseWhole(name: string, text: string, limits: ParseLimits): ParsedDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter });
  const source = new SourceFile(name, text, lineCounter);
  const problems = [...doc.errors, ...doc.warnings].map(yamlProblem);
  const locations = new LocationIndex({ start: 0, end: Math.min(text.length, 1) });
  if (problems.length > 0) return { source, data: undefined, locations, problems };
  const aliases = new DocumentAliases(doc);
  const { over } = aliases.countExpansion(limits.maxAliasNodes);
  if (over) {
    const [start, end] = over.range ?? [0, 0];
    problems.push({ start, end, message: `aliases expand to more than ${limits.maxAliasNodes} nodes; refusing to expand them (a "billion laughs" document?)` });
    return { source, data: undefined, locations, problems };
  }
  const data = doc.contents === null ? null : new Converter(aliases, locations, problems).convert(doc.contents);
  return { source, data, locations, problems };
}

/**
 * Parses a large file as its top level plus one small document per item of
 * `databases`, with the same `yaml` parser. One parse of a multi-megabyte
 * document keeps every token and node alive until the end, and garbage
 * collection of that long-lived heap dominates; per-item documents die young.
 * The split is only a way to feed the parser: the result must be exactly what
 * one parse would give, so any doubt (an item that does not parse alone, an
 * alias across items, a directive, an unusual layout) falls back to one parse,
 * which also reports errors at their true positions. The alias budget is the
 * whole file's, shared by the pieces; a file over it gets one parse too, which
 * finds the alias that passes the limit without expanding any.
 */
function parseInChunks(name: string, text: string, limits: ParseLimits): ParsedDocument | undefined {
  const layout = findDatabaseItems(text);
  if (!layout) return undefined;
  let aliasBudget = limits.maxAliasNodes;
  /** The piece's aliases, or undefined when they would take the file past its alias budget. */
  const withinBudget = (aliases: DocumentAliases) => {
    const { added, over } = aliases.countExpansion(aliasBudget);
    aliasBudget -= added;
    return over ? undefined : aliases;
  };
  const locations = new LocationIndex({ start: 0, end: Math.min(text.length, 1) });
  const problems: SourceProblem[] = [];
  // The top level without the list; what follows the list is shifted back into place.
  const removed = layout.blockEnd - layout.blockStart;
  const topDoc = parseDocument(text.slice(0, layout.blockStart) + text.slice(layout.blockEnd), PARSE_OPTIONS);
  if (topDoc.errors.length > 0 || topDoc.warnings.length > 0 || !isMap(topDoc.contents)) return undefined;
  const topAliases = withinBudget(new DocumentAliases(topDoc));
  if (!topAliases) return undefined;
  const topOffset = (offset: number) => (offset < layout.blockStart ? offset : offset + removed);
  const data = new Converter(topAliases, locations, problems, topOffset).convert(topDoc.contents) as Record<string, unknown>;
  if (problems.length > 0 || !('databases' in data) || data.databases !== null) return undefined;
  // An alias after the list may name an anchor inside it, which the top level alone cannot see.
  const topAliasNames = new Set(topAliases.written.map((alias) => alias.source));

  const items: unknown[] = [];
  const itemOffsets: number[] = [];
  for (let i = 0; i < layout.itemStarts.length; i++) {
    const start = layout.itemStarts[i]!;
    const end = layout.itemStarts[i + 1] ?? layout.blockEnd;
    const doc = parseDocument(text.slice(start, end), PARSE_OPTIONS);
    if (doc.errors.length > 0 || doc.warnings.length > 0 || !isSeq(doc.contents) || doc.contents.items.length !== 1) return undefined;
    const item = doc.contents.items[0] as Node;
    const aliases = withinBudget(new DocumentAliases(doc));
    if (!aliases || [...aliases.anchorNames].some((anchor) => topAliasNames.has(anchor))) return undefined;
    // An alias that names no anchor in its own item names one in an earlier piece (or none): converting
    // it reports a problem, and the problem sends the file to one parse.
    items.push(new Converter(aliases, locations, problems, (offset) => start + offset).convert(item));
    const [itemStart, itemEnd] = item.range ?? [0, 0];
    itemOffsets.push(start + itemStart, start + itemEnd, start + itemStart, start + itemEnd);
    if (problems.length > 0) return undefined;
  }
  data.databases = items;
  locations.recordSeq(items, itemOffsets);
  const keys = locations.keysOf(data);
  const databasesKey = locations.child(data, 'databases')!;
  const offsets = keys.flatMap((key) => {
    const range = key === 'databases'
      ? { ...databasesKey, valueStart: itemOffsets[0] ?? databasesKey.keyEnd, valueEnd: itemOffsets[itemOffsets.length - 1] ?? databasesKey.keyEnd }
      : locations.child(data, key)!;
    return [range.keyStart, range.keyEnd, range.valueStart, range.valueEnd];
  });
  locations.recordMap(data, keys, offsets);
  return { source: new SourceFile(name, text, countLines(text)), data, locations, problems };
}

interface DatabaseItems {
  /** Offsets of the list's first and past-last character. */
  blockStart: number;
  blockEnd: number;
  /** Offset of the start of each item's first line. */
  itemStarts: number[];
}

const DATABASES_KEY = /^databases:[ \t]*(#.*)?\r?$/m;

/**
 * Finds the items of a top-level block sequence under `databases:`, written
 * the common way (each item starting `- ` at one indentation). Returns
 * undefined for anything else, which then gets one ordinary parse.
 */
function findDatabaseItems(text: string): DatabaseItems | undefined {
  // A directive (%YAML 1.1, %TAG) changes how every item reads; a second document changes the top level.
  if (/^(%|---|\.\.\.)/m.test(text.slice(1)) || text.startsWith('%')) return undefined;
  const key = DATABASES_KEY.exec(text);
  if (!key || DATABASES_KEY.exec(text.slice(key.index + key[0].length))) return undefined;
  const blockStart = text.indexOf('\n', key.index) + 1;
  if (blockStart === 0) return undefined;
  const itemStarts: number[] = [];
  let indent = -1;
  let offset = blockStart;
  let blockEnd = text.length;
  while (offset < text.length) {
    const lineEnd = text.indexOf('\n', offset);
    const next = lineEnd === -1 ? text.length : lineEnd + 1;
    const line = text.slice(offset, lineEnd === -1 ? text.length : lineEnd);
    const content = line.trimStart();
    if (content === '' || content === '\r' || content.startsWith('#')) {
      offset = next;
      continue;
    }
    const lineIndent = line.length - content.length;
    if (lineIndent === 0 && !content.startsWith('- ')) {
      blockEnd = offset;
      break;
    }
    if (indent === -1) {
      if (!content.startsWith('- ') || line.includes('\t')) return undefined;
      indent = lineIndent;
    }
    if (lineIndent < indent) return undefined;
    if (lineIndent === indent) {
      if (!content.startsWith('- ')) return undefined;
      itemStarts.push(offset);
    }
    offset = next;
  }
  if (itemStarts.length === 0) return undefined;
  return { blockStart, blockEnd, itemStarts };
}

function yamlProblem(error: YAMLError): SourceProblem {
  const [start, end] = error.pos;
  const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return { message: problemMessage(error.code, message), start, end };
}

function problemMessage(code: YAMLError['code'], message: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return `${message}: a duplicated key would silently replace the first one`;
    case 'TAB_AS_INDENT':
      return 'a tab is used for indentation; YAML allows only spaces there';
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document; dbfence reads exactly one';
    default:
      return message;
  }
}

/**
 * Turns yaml nodes into plain data while recording where each came from. An
 * alias is converted again from its anchor, so each copy is a value of its
 * own at the anchor's source range; callers have checked with
 * DocumentAliases.countExpansion that the copies fit the budget.
 */
class Converter {
  constructor(
    private readonly aliases: DocumentAliases,
    private readonly locations: LocationIndex,
    private readonly problems: SourceProblem[],
    /** Maps an offset in the parsed text to the file's, when the text is a piece of the file. */
    private readonly at: (offset: number) => number = (offset) => offset,
  ) {}

  convert(node: Node | Alias | null): unknown {
    if (node === null) return null;
    if (isAlias(node)) return this.expandAlias(node);
    if (isScalar(node)) return node.value;
    if (isMap(node)) return this.convertMap(node.items);
    if (isSeq(node)) return this.convertSeq(node.items as (Node | null)[]);
    return null;
  }

  private expandAlias(alias: Alias): unknown {
    const target = this.aliases.target(alias);
    if (target !== undefined) return this.convert(target);
    const [start, end] = alias.range ?? [0, 0];
    this.problems.push({ start: this.at(start), end: this.at(end), message: `the alias *${alias.source} names no anchor before it` });
    return null;
  }

  private convertMap(items: unknown[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys: string[] = [];
    const offsets: number[] = [];
    const at = this.at;
    for (const item of items) {
      if (!isPair(item)) continue;
      const keyNode = item.key as Node | null;
      const valueNode = item.value as Node | null;
      if (keyNode !== null && !isScalar(keyNode)) {
        const [start, end] = keyNode.range ?? [0, 0];
        this.problems.push({ start: at(start), end: at(end), message: 'a mapping key must be a plain string, not a collection or alias' });
        continue;
      }
      const key = keyNode === null ? '' : String(keyNode.value);
      const [keyStart, keyEnd] = keyNode?.range ?? [0, 0];
      if (FORBIDDEN_KEYS.has(key)) {
        this.problems.push({ start: at(keyStart), end: at(keyEnd), message: `the key "${key}" is not allowed` });
        continue;
      }
      const [valueStart, valueEnd] = valueNode?.range ?? [keyEnd, keyEnd];
      out[key] = this.convert(valueNode);
      keys.push(key);
      offsets.push(at(keyStart), at(keyEnd), at(valueStart), at(valueEnd));
    }
    this.locations.recordMap(out, keys, offsets);
    return out;
  }

  private convertSeq(items: (Node | null)[]): unknown[] {
    const out: unknown[] = new Array(items.length);
    const offsets: number[] = new Array(items.length * 4);
    const at = this.at;
    for (let index = 0; index < items.length; index++) {
      const item = items[index]!;
      out[index] = this.convert(item);
      const [start, end] = item?.range ?? [0, 0];
      offsets[index * 4] = offsets[index * 4 + 2] = at(start);
      offsets[index * 4 + 1] = offsets[index * 4 + 3] = at(end);
    }
    this.locations.recordSeq(out, offsets);
    return out;
  }
}

