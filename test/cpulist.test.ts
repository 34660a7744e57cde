import { describe, expect, it } from 'vitest';
import { formatCpuList, parseCpuList } from '../src/cpulist.js';

describe('CPU lists', () => {
  it('parses the kernel format', () => {
    expect(parseCpuList('0')).toEqual([0]);
    expect(parseCpuList('0,2-5')).toEqual([0, 2, 3, 4, 5]);
    expect(parseCpuList('3,1,1-2\n')).toEqual([1, 2, 3]);
  });
  it('refuses malformed lists', () => {
    for (const bad of ['', 'a', '1-', '5-2', '1,,2', '-1', '0-99999']) expect(() => parseCpuList(bad)).toThrow();
  });
  it('formats back', () => {
    expect(formatCpuList([0, 2, 3, 4, 5, 7])).toBe('0,2-5,7');
  });
});
