import {
  type Alias, type CST, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, type Node, parseDocument, Parser, type YAMLError,
} from 'yaml';
import { DocumentAliases } from './aliases.js';
import { LocationIndex } from './locations.js';
import { composePlain, FORBIDDEN_KEYS, PARSE_OPTIONS } from './plain-compose.js';
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
  /**
   * How deep lists and mappings may nest (with aliases expanded). Far beyond
   * any real file, and well within what recursive code, the parser's or the
   * rules', can walk without running out of stack.
   */
  maxDepth: number;
  /**
   * How many nodes (scalars, lists, mappings, list items, aliases) the file
   * may hold, counted from the parser's tokens before any is kept: parsing
   * keeps every node alive at once, and a file of millions of tiny ones
   * (`[a,a,a,…]`) would run out of memory. The largest benchmark file (1,000
   * databases, 5.8 MB) has about 400,000.
   */
  maxNodes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxAliasNodes: 10_000, maxDepth: 256, maxNodes: 1_000_000 };

/**
 * From this size on, the `databases` list is parsed one item at a time (see
 * parseInChunks). Below it, one parse is as fast and simpler.
 */
export const CHUNKED_PARSE_MIN_LENGTH = 128 * 1024;


/**
 * Parses one YAML document, keeping every node's source range: in pieces when
 * it is large, straight from the parser's tokens when it is plain YAML (see
 * plain-compose.ts), else by composing it in full (parseComposed), which gives
 * the same result and is the one that reports problems.
 */
export function parseYaml(name: string, text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParsedDocument {
  return (text.length >= CHUNKED_PARSE_MIN_LENGTH ? parseInChunks(name, text, limits) : undefined)
    ?? parseIfTooManyNodes(name, text, limits)
    ?? parsePlain(name, text, limits)
    ?? parseComposed(name, text, limits);
}

/**
 * A text of `length` characters holds at most this many nodes: each counted
 * token but a scalar's start marker takes at least one character, and two
 * scalars have at least one between them.
 */
function mostNodesIn(length: number): number {
  return 2 * length + 1;
}

/** The file as one problem, when it holds more nodes than the limit; undefined when it does not. */
function parseIfTooManyNodes(name: string, text: string, limits: ParseLimits): ParsedDocument | undefined {
  if (mostNodesIn(text.length) <= limits.maxNodes) return undefined;
  const over = firstNodePastLimit(text, limits.maxNodes);
  if (over === undefined) return undefined;
  const problem = { start: over, end: Math.min(text.length, over + 1), message: `the file holds more than ${limits.maxNodes} YAML nodes; refusing to read it` };
  return { source: new SourceFile(name, text, countLines(text)), data: undefined, locations: new LocationIndex({ start: 0, end: Math.min(text.length, 1) }), problems: [problem] };
}

/** Lexer tokens that are not source text: the document, flow-end and scalar markers. */
const CONTROL_TOKENS = new Set(['\x02', '\x18', '\x1f']);

/**
 * Where the node that takes the file past `maxNodes` starts, counted from the
 * lexer's tokens one at a time (none is kept); undefined when none does.
 * A node starts at a scalar's marker, a `[` or `{`, a list item's `-`, or an alias.
 */
function firstNodePastLimit(text: string, maxNodes: number): number | undefined {
  let nodes = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    const first = token[0];
    if (token === '\x1f' || token === '[' || token === '{' || token === '-' || first === '*') {
      nodes++;
      if (nodes > maxNodes) return offset;
    }
    if (!CONTROL_TOKENS.has(token)) offset += token.length;
  }
  return undefined;
}

function parsePlain(name: string, text: string, limits: ParseLimits): ParsedDocument | undefined {
  const locations = new LocationIndex({ start: 0, end: Math.min(text.length, 1) });
  const plain = composePlain(text, locations, limits.maxDepth);
  return plain && { source: new SourceFile(name, text, plain.lineCounter), data: plain.value, locations, problems: [] };
}

/** One parse of the whole document with `yaml`'s composer: the reference for every faster way. */
export function parseComposed(name: string, text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParsedDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter });
  const source = new SourceFile(name, text, lineCounter);
  const locations = new LocationIndex({ start: 0, end: Math.min(text.length, 1) });
  // The parser runs out of stack on a document nested thousands deep: say why, where the limit is passed.
  const tooDeep = doc.errors.some((error) => error.code === 'RESOURCE_EXHAUSTION') ? firstTooDeep(text, limits.maxDepth) : undefined;
  if (tooDeep !== undefined) return { source, data: undefined, locations, problems: [tooDeepProblem(tooDeep, limits)] };
  const problems = [...doc.errors, ...doc.warnings].map(yamlProblem);
  if (problems.length > 0) return { source, data: undefined, locations, problems };
  const aliases = new DocumentAliases(doc);
  const { over } = aliases.countExpansion(limits.maxAliasNodes);
  if (over) {
    const [start, end] = over.range ?? [0, 0];
    problems.push({ start, end, message: `aliases expand to more than ${limits.maxAliasNodes} nodes; refusing to expand them (a "billion laughs" document?)` });
    return { source, data: undefined, locations, problems };
  }
  const data = doc.contents === null ? null : new Converter(aliases, locations, problems, limits.maxDepth).convert(doc.contents);
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
  const topText = text.slice(0, layout.blockStart) + text.slice(layout.blockEnd);
  // Text that could pass the node limit on its own is not parsed here: one parse counts it first.
  if (mostNodesIn(topText.length) > limits.maxNodes) return undefined;
  const topDoc = parseDocument(topText, PARSE_OPTIONS);
  if (topDoc.errors.length > 0 || topDoc.warnings.length > 0 || !isMap(topDoc.contents)) return undefined;
  const topAliases = withinBudget(new DocumentAliases(topDoc));
  if (!topAliases) return undefined;
  // The nodes read so far: a file past the node limit gets one parse, which says where.
  let nodes = topAliases.nodeCount;
  const topOffset = (offset: number) => (offset < layout.blockStart ? offset : offset + removed);
  const data = new Converter(topAliases, locations, problems, limits.maxDepth, topOffset).convert(topDoc.contents) as Record<string, unknown>;
  if (problems.length > 0 || !('databases' in data) || data.databases !== null) return undefined;
  // An alias after the list may name an anchor inside it, which the top level alone cannot see.
  const topAliasNames = new Set(topAliases.written.map((alias) => alias.source));

  const items: unknown[] = [];
  const itemOffsets: number[] = [];
  for (let i = 0; i < layout.itemStarts.length; i++) {
    const start = layout.itemStarts[i]!;
    const end = layout.itemStarts[i + 1] ?? layout.blockEnd;
    const piece = text.slice(start, end);
    // The same for each piece.
    if (mostNodesIn(piece.length) > limits.maxNodes) return undefined;
    // The item sits in the top-level mapping's `databases` list: two levels down.
    const at = (offset: number) => start + offset;
    const plain = composePlain(piece, locations, limits.maxDepth, { outer: 2, at, unwrapSingleItem: true });
    if (plain) {
      nodes += plain.nodeCount;
      if (nodes > limits.maxNodes) return undefined;
      items.push(plain.value);
      itemOffsets.push(at(plain.range[0]), at(plain.range[1]), at(plain.range[0]), at(plain.range[1]));
      continue;
    }
    const doc = parseDocument(piece, PARSE_OPTIONS);
    if (doc.errors.length > 0 || doc.warnings.length > 0 || !isSeq(doc.contents) || doc.contents.items.length !== 1) return undefined;
    const item = doc.contents.items[0] as Node;
    const aliases = withinBudget(new DocumentAliases(doc));
    if (!aliases || [...aliases.anchorNames].some((anchor) => topAliasNames.has(anchor))) return undefined;
    nodes += aliases.nodeCount;
    if (nodes > limits.maxNodes) return undefined;
    // An alias that names no anchor in its own item names one in an earlier piece (or none): converting
    // it reports a problem, and the problem sends the file to one parse.
    items.push(new Converter(aliases, locations, problems, limits.maxDepth, at).convert(item, 2));
    const [itemStart, itemEnd] = item.range ?? [0, 0];
    itemOffsets.push(start + itemStart, start + itemEnd, start + itemStart, start + itemEnd);
    if (problems.length > 0) return undefined;
  }
  data.databases = items;
  locations.recordSeq(items, itemOffsets);
  const keys = locations.keysOf(data);
  const databasesKey = locations.child(data, 'databases')!;
  const offsets = keys.flatMap((key) => {
    // One parse puts the list at its first `-`.
    const range = key === 'databases'
      ? { ...databasesKey, valueStart: text.indexOf('-', layout.itemStarts[0]), valueEnd: itemOffsets[itemOffsets.length - 1] ?? databasesKey.keyEnd }
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

function tooDeepProblem(offset: number, limits: ParseLimits): SourceProblem {
  return { start: offset, end: offset + 1, message: `the document nests deeper than ${limits.maxDepth} levels` };
}

/**
 * Where the first list or mapping nested deeper than `maxDepth` starts, read
 * from the parser's tokens with a stack of our own rather than recursion;
 * undefined when none is.
 */
function firstTooDeep(text: string, maxDepth: number): number | undefined {
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document' || !token.value) continue;
    // Children pushed last to first, so they are visited in reading order.
    const pending: [CST.Token, number][] = [[token.value, 0]];
    while (pending.length > 0) {
      const [node, outer] = pending.pop()!;
      if (node.type !== 'block-map' && node.type !== 'block-seq' && node.type !== 'flow-collection') continue;
      const depth = outer + 1;
      if (depth > maxDepth) return node.offset;
      for (let i = node.items.length - 1; i >= 0; i--) {
        const item = node.items[i]!;
        if (item.value) pending.push([item.value, depth]);
        if (item.key) pending.push([item.key, depth]);
      }
    }
  }
  return undefined;
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
    private readonly maxDepth: number,
    /** Maps an offset in the parsed text to the file's, when the text is a piece of the file. */
    private readonly at: (offset: number) => number = (offset) => offset,
  ) {}

  private tooDeep = false;

  /** `outer`: how many lists and mappings hold the node. */
  convert(node: Node | Alias | null, outer = 0): unknown {
    if (node === null) return null;
    if (isAlias(node)) return this.expandAlias(node, outer);
    if (isScalar(node)) return node.value;
    if (!isMap(node) && !isSeq(node)) return null;
    if (outer >= this.maxDepth) {
      // Reported once, at the first node past the limit: deeper ones are the same problem.
      const [start, end] = node.range ?? [0, 0];
      if (!this.tooDeep) this.problems.push({ start: this.at(start), end: this.at(Math.min(end, start + 1)), message: `the document nests deeper than ${this.maxDepth} levels` });
      this.tooDeep = true;
      return null;
    }
    return isMap(node) ? this.convertMap(node.items, outer + 1) : this.convertSeq(node.items as (Node | null)[], outer + 1);
  }

  private expandAlias(alias: Alias, outer: number): unknown {
    const target = this.aliases.target(alias);
    if (target !== undefined) return this.convert(target, outer);
    const [start, end] = alias.range ?? [0, 0];
    this.problems.push({ start: this.at(start), end: this.at(end), message: `the alias *${alias.source} names no anchor before it` });
    return null;
  }

  private convertMap(items: unknown[], depth: number): Record<string, unknown> {
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
      out[key] = this.convert(valueNode, depth);
      keys.push(key);
      offsets.push(at(keyStart), at(keyEnd), at(valueStart), at(valueEnd));
    }
    this.locations.recordMap(out, keys, offsets);
    return out;
  }

  private convertSeq(items: (Node | null)[], depth: number): unknown[] {
    const out: unknown[] = new Array(items.length);
    const offsets: number[] = new Array(items.length * 4);
    const at = this.at;
    for (let index = 0; index < items.length; index++) {
      const item = items[index]!;
      out[index] = this.convert(item, depth);
      const [start, end] = item?.range ?? [0, 0];
      offsets[index * 4] = offsets[index * 4 + 2] = at(start);
      offsets[index * 4 + 1] = offsets[index * 4 + 3] = at(end);
    }
    this.locations.recordSeq(out, offsets);
    return out;
  }
}

