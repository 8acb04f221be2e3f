import { KeepError } from '../errors.js';
import type { PutResult } from './block-store.js';

/** A write that stored fewer replicas (or classes) than wanted; `result` is what was stored. */
export class InsufficientReplicasError extends KeepError {
  readonly result: PutResult;

  constructor(message: string, result: PutResult) {
    super('ERR_INSUFFICIENT_REPLICAS', message);
    this.result = result;
  }
}
