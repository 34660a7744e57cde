// errors.ts: what does an error the addon throws mean? The one decoder of
// the codes native/napi/args.cc gives its errors: an instruction the CPU
// lacks (ERR_CLOCKLAB_CPU_FEATURE, ERR_CLOCKLAB_NOT_X86), or a -errno from
// the plain C++ (ERR_CLOCKLAB_ERRNO, with `errno`).
import { constants } from 'node:os';

export type NativeFailure =
  /** The CPU cannot run the read: not x86, or an instruction's CPUID bit is clear. */
  | { kind: 'cpu'; message: string }
  /** A system call or read failed with `errno` (`name`, e.g. EINVAL). */
  | { kind: 'errno'; errno: number; name: string; message: string };

/** The errno's name (EINVAL), or `errno N` for one Node does not name. */
export function errnoName(errno: number): string {
  const hit = Object.entries(constants.errno).find(([, v]) => v === errno);
  return hit ? hit[0] : `errno ${errno}`;
}

/** What a native error says, or null for an error the addon did not code
 * (a TypeError from argument checks, or not from the addon at all). */
export function decodeNativeError(err: unknown): NativeFailure | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: unknown; errno?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.code === 'ERR_CLOCKLAB_CPU_FEATURE' || e.code === 'ERR_CLOCKLAB_NOT_X86') return { kind: 'cpu', message };
  if (e.code === 'ERR_CLOCKLAB_ERRNO' && typeof e.errno === 'number') return { kind: 'errno', errno: e.errno, name: errnoName(e.errno), message };
  return null;
}
