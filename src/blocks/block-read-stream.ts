import type { BlockReadStream, BlockStore, ReadStreamOptions } from './block-store.js';

/**
 * A whole block as a stream: the store's own `readStream` when it has one, else one chunk
 * holding what `get` returns (verified the same way).
 * @throws KeepError as BlockStore.readStream
 */
export async function readBlockStream(store: BlockStore, locator: string, options: ReadStreamOptions = {}): Promise<BlockReadStream> {
  if (store.readStream !== undefined) return store.readStream(locator, options);
  const data = await store.get(locator, options);
  return { size: data.byteLength, chunks: single(data) };
}

async function* single(data: Uint8Array): AsyncIterable<Uint8Array> {
  if (data.byteLength > 0) yield data;
}
