import { loadManifest } from './load-manifest.js';
import { SimpleTree } from './simple-tree.js';
import { writeManifest } from './write-manifest.js';

/**
 * Re-marshal a manifest the way the Arvados Go SDK does (load, then `MarshalManifest(".")`).
 *
 * @param text manifest bytes (a string is encoded as UTF-8)
 * @returns the normalised manifest bytes
 * @throws {ManifestSyntaxError} `ERR_MANIFEST_SYNTAX` when the Go loader would reject the text
 * @example normalizeManifest('./d 3858f62230ac3c915f300c664312c63f+6 0:3:foo 3:3:bar\n')
 */
export function normalizeManifest(text: Uint8Array | string): Uint8Array {
  const tree = new SimpleTree();
  loadManifest(text, tree);
  return writeManifest(tree, '.');
}
