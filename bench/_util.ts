/** Helpers shared by the block benchmarks. */

const MiB = 1 << 20;

/** Parse a size argument such as `2G`, `512M`, `1.5GiB`; `fallback` when absent. */
export function parseSize(arg: string | undefined, fallback: number): number {
  if (arg === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(arg);
  if (!m) throw new Error(`Cannot parse size "${arg}" (use e.g. 2G, 512M)`);
  const unit = { '': 1, K: 1024, M: MiB, G: 1024 * MiB }[(m[2] ?? '').toUpperCase()] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

/** Run `fn` over `items` with at most `n` in flight. */
export async function pooled<T>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}
