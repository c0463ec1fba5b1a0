/**
 * A set of integers held as sorted, disjoint, non-adjacent closed intervals:
 * the union of many address ranges, so that coverage is decided on the union
 * and not entry by entry (split ranges such as two /1s cannot slip through).
 */
export class IntervalSet {
  private readonly intervals: [bigint, bigint][] = [];
  private sorted = true;

  /** `bits` is the width of the space: 32 for IPv4, 128 for IPv6 (smaller in tests). */
  constructor(readonly bits: number) {}

  get max(): bigint {
    return (1n << BigInt(this.bits)) - 1n;
  }

  add(first: bigint, last: bigint): this {
    this.intervals.push([first, last]);
    this.sorted = false;
    return this;
  }

  /** The merged intervals in ascending order. */
  ranges(): readonly (readonly [bigint, bigint])[] {
    if (!this.sorted) {
      this.intervals.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const merged: [bigint, bigint][] = [];
      for (const [first, last] of this.intervals) {
        const top = merged[merged.length - 1];
        if (top && first <= top[1] + 1n) {
          if (last > top[1]) top[1] = last;
        } else {
          merged.push([first, last]);
        }
      }
      this.intervals.splice(0, this.intervals.length, ...merged);
      this.sorted = true;
    }
    return this.intervals;
  }

  isEmpty(): boolean {
    return this.intervals.length === 0;
  }

  /** True when every integer from `first` to `last` is in the set. */
  covers(first: bigint, last: bigint): boolean {
    const ranges = this.ranges();
    let low = 0;
    let high = ranges.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const [start, end] = ranges[mid]!;
      if (first < start) high = mid - 1;
      else if (first > end) low = mid + 1;
      else return last <= end;
    }
    return false;
  }

  /** True when the set holds the whole space. */
  coversAll(): boolean {
    return this.covers(0n, this.max);
  }

  /** True when some integer from `first` to `last` is in the set. */
  intersects(first: bigint, last: bigint): boolean {
    return this.ranges().some(([start, end]) => start <= last && first <= end);
  }

  /** How many integers the set holds. */
  size(): bigint {
    return this.ranges().reduce((total, [start, end]) => total + (end - start + 1n), 0n);
  }

  /** How many integers from `first` to `last` the set holds. */
  sizeWithin(first: bigint, last: bigint): bigint {
    return this.ranges().reduce((total, [start, end]) => {
      const low = start > first ? start : first;
      const high = end < last ? end : last;
      return low <= high ? total + (high - low + 1n) : total;
    }, 0n);
  }
}
