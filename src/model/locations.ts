import type { DocPath } from './path.js';

/** Source offsets of one child of a mapping or sequence. */
export interface ChildRange {
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
}

export interface OffsetRange {
  start: number;
  end: number;
}

/**
 * The children of one mapping or sequence: four offsets per child (key start,
 * key end, value start, value end), and for mappings the keys in source order.
 * Flat numbers rather than an object per child: a large file has hundreds of
 * thousands of nodes.
 */
interface ContainerRecord {
  keys: string[] | undefined;
  offsets: number[];
}

/**
 * Maps document paths to source offsets. Rules report paths; this index is the
 * one place that turns them into positions (as Spectral does), so no rule ever
 * deals with lines or columns.
 */
export class LocationIndex {
  // A Map, not a WeakMap: the index lives exactly as long as the data, and the
  // garbage collector treats hundreds of thousands of weak entries as
  // ephemerons, with work of their own in every collection.
  private readonly records = new Map<object, ContainerRecord>();

  constructor(readonly root: OffsetRange) {}

  /** Records a mapping's children; `offsets` holds four numbers per key, in the keys' order. */
  recordMap(container: object, keys: string[], offsets: number[]): void {
    this.records.set(container, { keys, offsets });
  }

  /** Records a sequence's items; `offsets` holds four numbers per item. */
  recordSeq(container: unknown[], offsets: number[]): void {
    this.records.set(container, { keys: undefined, offsets });
  }

  child(container: object, key: string | number): ChildRange | undefined {
    const record = this.records.get(container);
    if (!record) return undefined;
    const index = record.keys ? record.keys.indexOf(String(key)) : typeof key === 'number' ? key : -1;
    return rangeAt(record.offsets, index);
  }

  /** The keys recorded for a mapping, in source order. */
  keysOf(container: object): string[] {
    return this.records.get(container)?.keys ?? [];
  }

  /**
   * The range of the deepest node along `path` that exists. With `at: 'key'`
   * a mapping entry resolves to its key rather than its value. Paths that run
   * past the data (a missing property) resolve to the nearest existing parent.
   */
  locate(data: unknown, path: DocPath, at: 'key' | 'value' = 'value'): OffsetRange {
    let node = data;
    let found: OffsetRange = this.root;
    for (let i = 0; i < path.length; i++) {
      if (node === null || typeof node !== 'object') break;
      const segment = path[i]!;
      const range = this.child(node, segment);
      if (!range) break;
      const last = i === path.length - 1;
      const value = (node as Record<string | number, unknown>)[segment];
      const isCollection = value !== null && typeof value === 'object';
      // A mapping or sequence under a key is best shown at its key; a scalar at its value.
      const useKey = range.keyStart !== range.valueStart && (last ? at === 'key' || isCollection : false);
      found = useKey ? { start: range.keyStart, end: range.keyEnd } : { start: range.valueStart, end: range.valueEnd };
      node = value;
    }
    return found;
  }

  /** Visits every recorded node below `data` with its path, depth first in source order. */
  *walk(data: unknown, path: (string | number)[] = []): Generator<{ path: (string | number)[]; range: ChildRange }> {
    if (data === null || typeof data !== 'object') return;
    const record = this.records.get(data);
    if (!record) return;
    const count = record.offsets.length / 4;
    for (let i = 0; i < count; i++) {
      const key = record.keys ? record.keys[i]! : i;
      const childPath = [...path, key];
      yield { path: childPath, range: rangeAt(record.offsets, i)! };
      yield* this.walk((data as Record<string | number, unknown>)[key], childPath);
    }
  }
}

function rangeAt(offsets: number[], index: number): ChildRange | undefined {
  if (index < 0 || index * 4 >= offsets.length) return undefined;
  const at = index * 4;
  return { keyStart: offsets[at]!, keyEnd: offsets[at + 1]!, valueStart: offsets[at + 2]!, valueEnd: offsets[at + 3]! };
}
