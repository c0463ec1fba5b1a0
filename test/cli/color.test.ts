import { describe, expect, it } from 'vitest';
import { useColor } from '../../src/cli/color.js';

const terminal = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

describe('useColor', () => {
  it('colours a terminal, not a pipe', () => {
    expect(useColor(terminal, {})).toBe(true);
    expect(useColor(pipe, {})).toBe(false);
  });

  it('never colours with NO_COLOR set to anything but empty', () => {
    expect(useColor(terminal, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(terminal, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(useColor(terminal, { NO_COLOR: '' })).toBe(true);
  });

  it('follows FORCE_COLOR, on a pipe or a terminal', () => {
    expect(useColor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor(pipe, { FORCE_COLOR: '' })).toBe(true);
    expect(useColor(terminal, { FORCE_COLOR: '0' })).toBe(false);
    expect(useColor(terminal, { FORCE_COLOR: 'false' })).toBe(false);
  });

  it('does not colour a dumb terminal', () => {
    expect(useColor(terminal, { TERM: 'dumb' })).toBe(false);
  });
});
