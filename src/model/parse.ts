import {
  Alias, type Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLError,
} from 'yaml';
import { LocationIndex } from './locations.js';
import { SourceFile } from './source.js';

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
  /** How many nodes alias expansion may create in total, against "billion laughs" documents. */
  maxAliasNodes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxAliasNodes: 10_000 };

/** Keys that would reach an object's prototype if assigned; refused outright. */
const FORBIDDEN_KEYS = new Set(['__proto__']);

const PARSE_OPTIONS = { uniqueKeys: true, prettyErrors: false, keepSourceTokens: false } as const;

/** Parses one YAML document, keeping every node's source range. */
export function parseYaml(name: string, text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParsedDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter });
  const source = new SourceFile(name, text, lineCounter);
  const problems = [...doc.errors, ...doc.warnings].map(yamlProblem);
  const locations = new LocationIndex({ start: 0, end: Math.min(text.length, 1) });
  if (problems.length > 0) return { source, data: undefined, locations, problems };
  const converter = new Converter(doc, locations, problems, limits);
  const data = doc.contents === null ? null : converter.convert(doc.contents);
  return { source, data, locations, problems };
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

/** Turns yaml nodes into plain data while recording where each came from. */
class Converter {
  private aliasNodes = 0;
  private aliasDepth = 0;

  constructor(
    private readonly doc: Document,
    private readonly locations: LocationIndex,
    private readonly problems: SourceProblem[],
    private readonly limits: ParseLimits,
  ) {}

  convert(node: Node | Alias | null): unknown {
    if (node === null) return null;
    if (this.aliasDepth > 0 && ++this.aliasNodes > this.limits.maxAliasNodes) {
      throw new AliasLimitExceeded();
    }
    if (isAlias(node)) return this.expandAlias(node);
    if (isScalar(node)) return node.value;
    if (isMap(node)) return this.convertMap(node.items);
    if (isSeq(node)) return this.convertSeq(node.items as (Node | null)[]);
    return null;
  }

  private expandAlias(alias: Alias): unknown {
    const target = alias.resolve(this.doc);
    if (!target) return null;
    this.aliasDepth++;
    try {
      return this.convert(target);
    } catch (error) {
      if (!(error instanceof AliasLimitExceeded) || this.aliasDepth > 1) throw error;
      const [start, end] = alias.range ?? [0, 0];
      this.problems.push({
        start, end,
        message: `aliases expand to more than ${this.limits.maxAliasNodes} nodes; refusing to expand them (a "billion laughs" document?)`,
      });
      return null;
    } finally {
      this.aliasDepth--;
    }
  }

  private convertMap(items: unknown[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const item of items) {
      if (!isPair(item)) continue;
      const keyNode = item.key as Node | null;
      const valueNode = item.value as Node | null;
      if (keyNode !== null && !isScalar(keyNode)) {
        const [start, end] = (keyNode as Node).range ?? [0, 0];
        this.problems.push({ start, end, message: 'a mapping key must be a plain string, not a collection or alias' });
        continue;
      }
      const key = keyNode === null ? '' : String(keyNode.value);
      const [keyStart, keyEnd] = keyNode?.range ?? [0, 0];
      if (FORBIDDEN_KEYS.has(key)) {
        this.problems.push({ start: keyStart, end: keyEnd, message: `the key "${key}" is not allowed` });
        continue;
      }
      const [valueStart, valueEnd] = valueNode?.range ?? [keyEnd, keyEnd];
      out[key] = this.convert(valueNode);
      this.locations.recordMapChild(out, key, { keyStart, keyEnd, valueStart, valueEnd });
    }
    return out;
  }

  private convertSeq(items: (Node | null)[]): unknown[] {
    const out: unknown[] = new Array(items.length);
    items.forEach((item, index) => {
      out[index] = this.convert(item);
      const [start, end] = item?.range ?? [0, 0];
      this.locations.recordSeqItem(out, index, { keyStart: start, keyEnd: end, valueStart: start, valueEnd: end });
    });
    return out;
  }
}

class AliasLimitExceeded extends Error {}
