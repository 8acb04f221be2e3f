import { KeepError } from '../errors.js';

/** Throw a KeepError(ERR_ABORTED) if `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** The KeepError for an aborted signal, keeping the signal's reason as cause. */
export function abortError(signal: AbortSignal): KeepError {
  return new KeepError('ERR_ABORTED', 'Cannot continue: the operation was aborted', { cause: signal.reason });
}

/**
 * Add an abort listener and return a disposer that removes it. An already aborted signal calls
 * `onAbort` synchronously.
 */
export function addAbortListener(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    onAbort();
    return () => {};
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** Resolve after `ms` milliseconds, or reject with ERR_ABORTED when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    throwIfAborted(signal);
    const timer = setTimeout(() => {
      dispose();
      resolve();
    }, ms);
    const dispose = addAbortListener(signal, () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    });
  });
}
