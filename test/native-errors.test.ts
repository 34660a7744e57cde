// The one decoder of the addon's coded errors (src/native/errors.ts), on
// errors the addon really throws and on ones it did not code.
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { decodeNativeError, errnoName } from '../src/native/errors.js';
import { loadBinding } from '../src/native/binding.js';

const binding = loadBinding();

describe('decodeNativeError', () => {
  it('names an errno the addon threw (pinning to a CPU that does not exist: EINVAL)', () => {
    let thrown: unknown;
    try {
      binding.pinToCpu(4095);
    } catch (err) {
      thrown = err;
    }
    const e = decodeNativeError(thrown);
    expect(e).toMatchObject({ kind: 'errno', errno: constants.errno.EINVAL, name: 'EINVAL' });
  });

  it('reads an instruction the CPU lacks as a CPU failure', () => {
    const e = decodeNativeError(Object.assign(new Error('rdtscp is not available on this CPU (CPUID.80000001H:EDX[27] is clear)'), { code: 'ERR_CLOCKLAB_CPU_FEATURE' }));
    expect(e).toEqual({ kind: 'cpu', message: 'rdtscp is not available on this CPU (CPUID.80000001H:EDX[27] is clear)' });
    expect(decodeNativeError(Object.assign(new Error('x'), { code: 'ERR_CLOCKLAB_NOT_X86' }))?.kind).toBe('cpu');
  });

  it('leaves an error the addon did not code alone', () => {
    expect(decodeNativeError(new TypeError('method index must be a number'))).toBeNull();
    expect(decodeNativeError(null)).toBeNull();
    expect(decodeNativeError('text')).toBeNull();
  });

  it('names errnos, and numbers one Node does not name', () => {
    expect(errnoName(constants.errno.ENXIO)).toBe('ENXIO');
    expect(errnoName(123456)).toBe('errno 123456');
  });
});
