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

/** Keys V8 orders before all others in Object.keys (array indices; this pattern is a superset). */
const INDEX_LIKE = /^\d+$/;

/**
 * Maps document paths to source offsets. Rules report paths; this index is the
 * one place that turns them into positions (as Spectral does), so no rule ever
 * deals with lines or columns.
 *
 * The children of every recorded mapping or sequence are four offsets each
 * (key start, key end, value start, value end) in one shared array, after a
 * count: a container maps to a number, not to objects of its own, as a large
 * file has hundreds of thousands of containers and the garbage collector
 * copies every object that lives. A mapping's keys are its own keys in
 * source order; they are stored only where Object.keys would give another
 * order (keys that look like array indices come first there).
 */
export class LocationIndex {
  /** Per container: the count of children, then four offsets per child. */
  private readonly offsets: number[] = [];
  private readonly starts = new Map<object, number>();
  private readonly sourceKeys = new Map<object, string[]>();

  constructor(readonly root: OffsetRange) {}

  /** Records a mapping's children; `offsets` holds four numbers per key, in the keys' order. */
  recordMap(container: object, keys: string[], offsets: number[]): void {
    if (keys.some((key) => INDEX_LIKE.test(key))) this.sourceKeys.set(container, keys);
    this.record(container, keys.length, offsets);
  }

  /** Records a sequence's items; `offsets` holds four numbers per item. */
  recordSeq(container: unknown[], offsets: number[]): void {
    this.record(container, offsets.length / 4, offsets);
  }

  private record(container: object, count: number, offsets: number[]): void {
    this.starts.set(container, this.offsets.length);
    this.offsets.push(count);
    for (let i = 0; i < offsets.length; i++) this.offsets.push(offsets[i]!);
  }

  child(container: object, key: string | number): ChildRange | undefined {
    const start = this.starts.get(container);
    if (start === undefined) return undefined;
    const index = Array.isArray(container) ? (typeof key === 'number' ? key : -1) : this.keysOf(container).indexOf(String(key));
    return this.rangeAt(start, index);
  }

  /** The keys recorded for a mapping, in source order. */
  keysOf(container: object): string[] {
    const start = this.starts.get(container);
    if (start === undefined || Array.isArray(container)) return [];
    return this.sourceKeys.get(container) ?? Object.keys(container).slice(0, this.offsets[start]);
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
    const start = this.starts.get(data);
    if (start === undefined) return;
    const count = this.offsets[start]!;
    const keys = Array.isArray(data) ? undefined : this.keysOf(data);
    for (let i = 0; i < count; i++) {
      const key = keys ? keys[i]! : i;
      const childPath = [...path, key];
      yield { path: childPath, range: this.rangeAt(start, i)! };
      yield* this.walk((data as Record<string | number, unknown>)[key], childPath);
    }
  }

  private rangeAt(start: number, index: number): ChildRange | undefined {
    if (index < 0 || index >= this.offsets[start]!) return undefined;
    const at = start + 1 + index * 4;
    const offsets = this.offsets;
    return { keyStart: offsets[at]!, keyEnd: offsets[at + 1]!, valueStart: offsets[at + 2]!, valueEnd: offsets[at + 3]! };
  }
}
