import { CST, isScalar, LineCounter, parseDocument, Parser, type ScalarTag } from 'yaml';
import type { LocationIndex } from './locations.js';

/**
 * Builds plain data and source ranges straight from the `yaml` parser's
 * tokens (its CST), without composing a `Document` of nodes first: composing
 * and then collecting those nodes took about half of parsing a large file.
 *
 * It reads only the plain subset of YAML an endpoints.yaml is written in:
 * block and single-line flow collections of scalars, comments, blank lines.
 * Anything else (anchors, aliases, tags, explicit keys, empty values, tabs,
 * multi-line flow collections, a duplicate key, a key the converter refuses,
 * nesting past the limit, any error the parser reports) makes it give up and
 * return undefined: the caller then composes the document with `yaml` in full,
 * which is the one place that reports problems, at their positions, and
 * applies the alias budget. So for what it accepts it must give exactly what
 * that path gives: the same values (scalars resolved by the same schema tags)
 * and the same ranges (a node's start and value end, as `yaml` computes them);
 * test/model/plain-compose.test.ts holds the two to each other.
 */

/** How every document of the file is parsed, in full or not. */
export const PARSE_OPTIONS = { uniqueKeys: true, prettyErrors: false, keepSourceTokens: false } as const;

/** Keys that would reach an object's prototype if assigned; refused outright. */
export const FORBIDDEN_KEYS = new Set(['__proto__']);

/** Thrown inside the converter to give up; caught at its entry. */
class NotPlain extends Error {}

/** The tags that resolve a plain scalar by their test, in `yaml`'s order, and the options they resolve under. */
interface PlainSchema {
  tags: { test: RegExp; resolve: ScalarTag['resolve'] }[];
  options: object;
}

let plainSchema: PlainSchema | undefined;

/** The tags `yaml`'s composer tries on a plain scalar (default ones with a test), as in the full parse. */
function defaultSchema(): PlainSchema {
  if (!plainSchema) {
    const empty = parseDocument('', PARSE_OPTIONS);
    // A tag with a test is a scalar tag; collection tags have none.
    const tags = empty.schema.tags.flatMap((tag) => (tag.default === true && tag.test ? [{ test: tag.test, resolve: (tag as ScalarTag).resolve }] : []));
    plainSchema = { tags, options: empty.options };
  }
  return plainSchema;
}

export interface PlainDocument {
  /** The top-level node's value. */
  value: unknown;
  /** The top-level node's token, so a caller can check its shape (a one-item list, for a piece). */
  root: CST.Token;
  lineCounter: LineCounter;
  /** How many nodes were converted (scalars and collections; keys not counted). */
  nodeCount: number;
}

/**
 * Converts a whole text of one document. `outer`: how many collections hold
 * the top-level node in the file (for the nesting limit); `at`: maps an
 * offset in `text` to the file's, when the text is a piece of the file.
 * With `unwrapSingleItem`, the document must be a list of one item, and that
 * item is converted (the list itself is not recorded).
 */
export function composePlain(
  text: string, locations: LocationIndex, maxDepth: number,
  { outer = 0, at, unwrapSingleItem = false }: { outer?: number; at?: (offset: number) => number; unwrapSingleItem?: boolean } = {},
): (PlainDocument & { range: [number, number] }) | undefined {
  // A tab can be indentation, which YAML forbids and only the full parse reports well.
  if (text.includes('\t')) return undefined;
  const lineCounter = new LineCounter();
  let document: CST.Document | undefined;
  for (const token of new Parser(lineCounter.addNewLine).parse(text)) {
    if (token.type === 'document') {
      if (document) return undefined;
      document = token;
    } else if (token.type !== 'comment' && token.type !== 'newline' && token.type !== 'space') return undefined;
  }
  if (!document?.value || !plainDocumentStart(document.start) || !(document.end ?? []).every(isBlank)) return undefined;
  if ([...document.start, ...(document.end ?? [])].some((token) => token.type === 'comment' && !spaceBefore(text, token))) return undefined;
  const converter = new PlainConverter(text, locations, maxDepth, at ?? ((offset) => offset));
  try {
    let root: CST.Token = document.value;
    if (unwrapSingleItem) {
      if (root.type !== 'block-seq') return undefined;
      const items = converter.seqItems(root);
      if (items.length !== 1) return undefined;
      root = items[0]!;
    }
    const value = converter.convert(root, outer);
    return { value, root: document.value, lineCounter, nodeCount: converter.nodeCount, range: [converter.start, converter.valueEnd] };
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
}


function isBlank(token: CST.SourceToken | CST.Token): boolean {
  return token.type === 'space' || token.type === 'newline' || token.type === 'comment';
}

/** Blank lines and comments, with at most a `---` first and on a line of its own. */
function plainDocumentStart(tokens: CST.SourceToken[]): boolean {
  const marker = tokens[0]?.type === 'doc-start';
  const rest = marker ? tokens.slice(1) : tokens;
  return rest.every(isBlank) && (!marker || rest.some((token) => token.type === 'newline'));
}

/** A comment needs white space before it (or a line start), or `yaml` reports it. */
function spaceBefore(text: string, token: CST.SourceToken): boolean {
  const before = text[token.offset - 1];
  return before === undefined || before === ' ' || before === '\n' || before === '\r';
}

/**
 * The converter. Each convert call returns the node's value and leaves its
 * range in `start`, `valueEnd` and `end` (as `yaml` gives a node's `range`;
 * `end` is after trailing comments and the line break): no object per node
 * beyond the data itself, as a large file has hundreds of thousands of them.
 */
class PlainConverter {
  private readonly schema = defaultSchema();
  /**
   * Plain scalars already resolved, to their value when it is a primitive:
   * the same keys and words recur all through a file, and trying each tag's
   * test on each of them was a tenth of converting a small file.
   */
  private readonly resolved = new Map<string, unknown>();
  start = 0;
  valueEnd = 0;
  end = 0;
  nodeCount = 0;

  constructor(
    private readonly text: string,
    private readonly locations: LocationIndex,
    private readonly maxDepth: number,
    private readonly at: (offset: number) => number,
  ) {}

  /** `outer`: how many lists and mappings hold the node. */
  convert(token: CST.Token, outer: number): unknown {
    this.nodeCount++;
    switch (token.type) {
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'block-scalar':
        return this.scalar(token);
      case 'block-map':
      case 'block-seq':
      case 'flow-collection':
        // Past the limit, the full parse reports where.
        if (outer >= this.maxDepth) throw new NotPlain();
        if (token.type === 'block-map') return this.blockMap(token, outer + 1);
        if (token.type === 'block-seq') return this.blockSeq(token, outer + 1);
        return this.flowCollection(token, outer + 1);
      default:
        throw new NotPlain();
    }
  }

  private scalar(token: CST.FlowScalar | CST.BlockScalar): unknown {
    const { source, offset } = token;
    // Most scalars are one plain word: its source is its text, as `yaml`'s plainValue reads it.
    if (token.type === 'scalar' && !source.includes('\n') && !BAD_PLAIN_START.has(source[0]!)) {
      this.start = offset;
      this.valueEnd = offset + source.length;
      this.end = this.tokensEnd(token.end, this.valueEnd);
      return this.plainValue(source);
    }
    const resolved = CST.resolveAsScalar(token, true, notPlain);
    if (!resolved) throw new NotPlain();
    [this.start, this.valueEnd, this.end] = resolved.range;
    return token.type === 'scalar' ? this.plainValue(resolved.value) : resolved.value;
  }

  /** A plain scalar's value, as `yaml`'s composer resolves it: the first default tag whose test matches, else a string. */
  private plainValue(source: string): unknown {
    const known = this.resolved.get(source);
    if (known !== undefined || this.resolved.has(source)) return known;
    const value = this.resolveTag(source);
    // An object (a date, under some schemas) is made anew for each scalar, as the full parse does.
    if (value === null || typeof value !== 'object') this.resolved.set(source, value);
    return value;
  }

  private resolveTag(source: string): unknown {
    for (const tag of this.schema.tags) {
      if (tag.test.test(source)) {
        const resolved = tag.resolve(source, notPlain, this.schema.options) as unknown;
        return isScalar(resolved) ? resolved.value : resolved;
      }
    }
    return source;
  }

  /** A key (a scalar on one line, at the mapping's column when it has one) as the string data uses. */
  private key(token: CST.Token | null | undefined, indent: number | undefined): string {
    if (!token || (token.type !== 'scalar' && token.type !== 'single-quoted-scalar' && token.type !== 'double-quoted-scalar')) throw new NotPlain();
    if ((indent !== undefined && token.indent !== indent) || token.source.length > 1000 || token.source.includes('\n')) throw new NotPlain();
    const key = String(this.scalar(token));
    if (FORBIDDEN_KEYS.has(key)) throw new NotPlain();
    return key;
  }

  /** Props before a node (`start` or `sep`): only white space and comments, and the one indicator expected first. */
  private checkProps(tokens: CST.SourceToken[], indicator: string | undefined): void {
    let found = indicator === undefined;
    for (const token of tokens) {
      if (!found && token.type === indicator) found = true;
      else if (token.type === 'comment') {
        if (!spaceBefore(this.text, token)) throw new NotPlain();
      } else if (token.type !== 'space' && token.type !== 'newline') throw new NotPlain();
    }
    if (!found) throw new NotPlain();
  }

  /** Where trailing tokens end: only white space and comments, as `yaml`'s resolveEnd accepts them. */
  private tokensEnd(tokens: CST.SourceToken[] | undefined, from: number): number {
    let end = from;
    if (tokens === undefined) return end;
    for (const token of tokens) {
      if (token.type === 'comment') {
        if (!spaceBefore(this.text, token)) throw new NotPlain();
      } else if (token.type !== 'space' && token.type !== 'newline') throw new NotPlain();
      end += token.source.length;
    }
    return end;
  }

  private blockMap(map: CST.BlockMap, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys: string[] = [];
    const offsets: number[] = [];
    const at = this.at;
    const items = map.items;
    let offset = map.offset;
    let end = -1;
    for (let i = 0; i < items.length; i++) {
      const { start, key, sep, value } = items[i]!;
      this.checkProps(start, undefined);
      // Comments after the last entry come as an item of their own, which ends the mapping.
      if (!key && !sep && !value && i === items.length - 1) {
        end = start.length > 0 ? tokensEndOf(start) : offset;
        continue;
      }
      const name = this.key(key, map.indent);
      const keyStart = this.start;
      const keyEnd = this.valueEnd;
      if (!sep || !value) throw new NotPlain();
      this.checkProps(sep, 'map-value-ind');
      // `a: b: c` is an error the full parse reports.
      if (value.type === 'block-map' && !hasNewline(sep)) throw new NotPlain();
      if (Object.hasOwn(out, name)) throw new NotPlain();
      out[name] = this.convert(value, depth);
      keys.push(name);
      offsets.push(at(keyStart), at(keyEnd), at(this.start), at(this.valueEnd));
      offset = this.end;
    }
    if (keys.length === 0) throw new NotPlain();
    this.locations.recordMap(out, keys, offsets);
    this.start = map.offset;
    this.valueEnd = offset;
    this.end = end === -1 ? offset : end;
    return out;
  }

  /** The items of a block list, each after one `-` and white space or comments. */
  seqItems(seq: CST.BlockSequence): CST.Token[] {
    const values: CST.Token[] = [];
    const items = seq.items;
    for (let i = 0; i < items.length; i++) {
      const { start, value } = items[i]!;
      if (!value && i === items.length - 1 && !start.some((token) => token.type === 'seq-item-ind')) {
        this.checkProps(start, undefined);
        continue;
      }
      this.checkProps(start, 'seq-item-ind');
      if (!value) throw new NotPlain();
      values.push(value);
    }
    if (values.length === 0) throw new NotPlain();
    return values;
  }

  private blockSeq(seq: CST.BlockSequence, depth: number): unknown[] {
    const out = this.sequence(this.seqItems(seq), depth, seq.offset);
    // Comments after the last item come as an item of their own, which ends the list.
    const last = seq.items[seq.items.length - 1]!;
    if (!last.value && last.start.length > 0) this.end = tokensEndOf(last.start);
    return out;
  }

  /** Converts the items, recording them; the range is from `start` to the last item's. */
  private sequence(items: CST.Token[], depth: number, start: number): unknown[] {
    const out: unknown[] = new Array(items.length);
    const offsets: number[] = new Array(items.length * 4);
    const at = this.at;
    let offset = start;
    for (let index = 0; index < items.length; index++) {
      out[index] = this.convert(items[index]!, depth);
      offsets[index * 4] = offsets[index * 4 + 2] = at(this.start);
      offsets[index * 4 + 1] = offsets[index * 4 + 3] = at(this.valueEnd);
      offset = this.end;
    }
    this.locations.recordSeq(out, offsets);
    this.start = start;
    this.valueEnd = offset;
    this.end = offset;
    return out;
  }

  /** `{ a: b, c: d }` or `[a, b]` on one line, of scalars only. */
  private flowCollection(flow: CST.FlowCollection, depth: number): unknown {
    const isMap = flow.start.source === '{';
    const [close, ...after] = flow.end;
    if (close?.source !== (isMap ? '}' : ']') || flow.items.length === 0) throw new NotPlain();
    const closeEnd = close.offset + close.source.length;
    const end = this.tokensEnd(after, closeEnd);
    if (this.text.slice(flow.offset, closeEnd).includes('\n')) throw new NotPlain();
    flow.items.forEach(({ start, key, sep, value }, i) => {
      let commas = 0;
      for (const token of start) {
        if (token.type === 'comma') commas++;
        else if (token.type !== 'space') throw new NotPlain();
      }
      if (commas !== (i === 0 ? 0 : 1) || !value || !isScalarToken(value)) throw new NotPlain();
      if (isMap ? !key || !sep || sep.some((token) => token.type !== 'map-value-ind' && token.type !== 'space') : key || sep) throw new NotPlain();
      if (isMap) this.checkProps(sep!, 'map-value-ind');
    });
    let out: unknown;
    if (isMap) {
      const map: Record<string, unknown> = {};
      const keys: string[] = [];
      const offsets: number[] = [];
      const at = this.at;
      for (const { key, value } of flow.items) {
        const name = this.key(key, undefined);
        const keyStart = this.start;
        const keyEnd = this.valueEnd;
        if (Object.hasOwn(map, name)) throw new NotPlain();
        map[name] = this.convert(value!, depth);
        keys.push(name);
        offsets.push(at(keyStart), at(keyEnd), at(this.start), at(this.valueEnd));
      }
      this.locations.recordMap(map, keys, offsets);
      out = map;
    } else {
      out = this.sequence(flow.items.map(({ value }) => value!), depth, flow.offset);
    }
    this.start = flow.offset;
    this.valueEnd = closeEnd;
    this.end = end;
    return out;
  }
}

/** First characters `yaml` refuses in a plain scalar (BAD_SCALAR_START), left to its own resolution. */
const BAD_PLAIN_START = new Set(['\t', ',', '%', '|', '>', '@', '`']);

function notPlain(): never {
  throw new NotPlain();
}

function hasNewline(tokens: CST.SourceToken[]): boolean {
  for (const token of tokens) if (token.type === 'newline') return true;
  return false;
}

/** Where a non-empty run of tokens ends, as `yaml` computes a comment's end. */
function tokensEndOf(tokens: CST.SourceToken[]): number {
  const last = tokens[tokens.length - 1]!;
  return last.offset + last.source.length;
}

function isScalarToken(token: CST.Token): boolean {
  return token.type === 'scalar' || token.type === 'single-quoted-scalar' || token.type === 'double-quoted-scalar';
}
