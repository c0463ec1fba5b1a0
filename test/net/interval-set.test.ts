import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntervalSet } from '../../src/net/interval-set.js';

type Interval = [number, number];

/** The reference: every integer of the union, enumerated. Only works because the space is tiny. */
function enumerate(intervals: Interval[]): Set<number> {
  const members = new Set<number>();
  for (const [first, last] of intervals) for (let n = first; n <= last; n++) members.add(n);
  return members;
}

/** The maximal runs of consecutive members, ascending. */
function runs(members: Set<number>): [bigint, bigint][] {
  const sorted = [...members].sort((a, b) => a - b);
  const out: [bigint, bigint][] = [];
  for (const n of sorted) {
    const top = out[out.length - 1];
    if (top && top[1] + 1n === BigInt(n)) top[1] = BigInt(n);
    else out.push([BigInt(n), BigInt(n)]);
  }
  return out;
}

function prefixInterval(bits: number, value: number, length: number): Interval {
  const hostMask = (1 << (bits - length)) - 1;
  const first = value & ~hostMask;
  return [first, first | hostMask];
}

/** Either a prefix (value/length, as CIDRs are) or any interval at all. */
const intervalIn = (bits: number): fc.Arbitrary<Interval> => {
  const max = 2 ** bits - 1;
  return fc.oneof(
    fc.tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max: bits })).map(([value, length]) => prefixInterval(bits, value, length)),
    fc.tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max })).map(([a, b]): Interval => (a <= b ? [a, b] : [b, a])),
  );
};

const scenario = fc.integer({ min: 4, max: 8 }).chain((bits) =>
  fc.record({
    bits: fc.constant(bits),
    added: fc.array(intervalIn(bits), { maxLength: 12 }),
    queries: fc.array(intervalIn(bits), { minLength: 1, maxLength: 8 }),
  }),
);

function build(bits: number, intervals: Interval[]): IntervalSet {
  const set = new IntervalSet(bits);
  for (const [first, last] of intervals) set.add(BigInt(first), BigInt(last));
  return set;
}

const RUNS = { numRuns: 300 };

describe('IntervalSet against an enumerated model on 4–8 bit spaces', () => {
  it('merges into the sorted, disjoint, non-adjacent runs of the union', () => {
    fc.assert(
      fc.property(scenario, ({ bits, added }) => {
        const ranges = build(bits, added).ranges();
        expect(ranges).toEqual(runs(enumerate(added)));
        for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThan(ranges[i - 1]![1] + 1n);
      }),
      RUNS,
    );
  });

  it('counts the addresses of the union once each, however the entries overlap', () => {
    fc.assert(
      fc.property(scenario, ({ bits, added }) => {
        const set = build(bits, added);
        expect(set.size()).toBe(BigInt(enumerate(added).size));
        expect(set.isEmpty()).toBe(added.length === 0);
      }),
      RUNS,
    );
  });

  it('counts the addresses of the union inside a range once each', () => {
    fc.assert(
      fc.property(scenario, ({ bits, added, queries }) => {
        const set = build(bits, added);
        const members = enumerate(added);
        for (const [first, last] of queries) {
          const expected = [...enumerate([[first, last]])].filter((n) => members.has(n)).length;
          expect(set.sizeWithin(BigInt(first), BigInt(last))).toBe(BigInt(expected));
        }
      }),
      RUNS,
    );
  });

  it('covers a range exactly when every address of it is in the union', () => {
    fc.assert(
      fc.property(scenario, ({ bits, added, queries }) => {
        const set = build(bits, added);
        const members = enumerate(added);
        for (const [first, last] of queries) {
          const expected = [...enumerate([[first, last]])].every((n) => members.has(n));
          expect(set.covers(BigInt(first), BigInt(last))).toBe(expected);
        }
      }),
      RUNS,
    );
  });

  it('intersects a range exactly when some address of it is in the union', () => {
    fc.assert(
      fc.property(scenario, ({ bits, added, queries }) => {
        const set = build(bits, added);
        const members = enumerate(added);
        for (const [first, last] of queries) {
          const expected = [...enumerate([[first, last]])].some((n) => members.has(n));
          expect(set.intersects(BigInt(first), BigInt(last))).toBe(expected);
        }
      }),
      RUNS,
    );
  });

  it('covers the whole space exactly when the union holds every address', () => {
    // Prefixes only, with short lengths, so that complete unions actually turn up.
    const coarse = fc.integer({ min: 4, max: 8 }).chain((bits) =>
      fc.record({
        bits: fc.constant(bits),
        added: fc.array(
          fc.tuple(fc.integer({ min: 0, max: 2 ** bits - 1 }), fc.integer({ min: 1, max: 3 }))
            .map(([value, length]) => prefixInterval(bits, value, length)),
          { maxLength: 10 },
        ),
      }),
    );
    let complete = 0;
    fc.assert(
      fc.property(coarse, ({ bits, added }) => {
        const world = enumerate(added).size === 2 ** bits;
        if (world) complete++;
        expect(build(bits, added).coversAll()).toBe(world);
      }),
      RUNS,
    );
    expect(complete).toBeGreaterThan(0);
  });

  it('answers the same when entries arrive after earlier queries', () => {
    fc.assert(
      fc.property(scenario, ({ bits, added, queries }) => {
        const set = new IntervalSet(bits);
        const sofar: Interval[] = [];
        for (const [first, last] of added) {
          set.add(BigInt(first), BigInt(last));
          sofar.push([first, last]);
          const members = enumerate(sofar);
          const [qFirst, qLast] = queries[sofar.length % queries.length]!;
          const expected = [...enumerate([[qFirst, qLast]])].every((n) => members.has(n));
          expect(set.covers(BigInt(qFirst), BigInt(qLast))).toBe(expected);
          expect(set.coversAll()).toBe(members.size === 2 ** bits);
        }
        expect(set.ranges()).toEqual(runs(enumerate(added)));
      }),
      RUNS,
    );
  });

  it('does not count two halves that leave a one-address gap as the whole space', () => {
    const set = new IntervalSet(8).add(0n, 126n).add(128n, 255n);
    expect(set.coversAll()).toBe(false);
    expect(set.size()).toBe(255n);
    set.add(127n, 127n);
    expect(set.coversAll()).toBe(true);
    expect(set.ranges()).toEqual([[0n, 255n]]);
  });
});
