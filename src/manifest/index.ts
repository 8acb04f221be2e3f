/**
 * The manifest layer: Arvados manifest text, locators, portable data hashes and blob signatures.
 * Pure code, no I/O. Names inside trees are byte strings (see `tree.ts`).
 */
export { parseLocator, formatLocator, stripAllHints, isStrictLocator } from './locator.js';
export type { Locator, ParseLocatorOptions } from './locator.js';
export { manifestEscape, manifestUnescape } from './escape.js';
export { goQuote, goQuoteList } from './go-quote.js';
export { tokenizeManifest } from './tokenize.js';
export type { ManifestTokenVisitor } from './tokenize.js';
export { loadManifest } from './load-manifest.js';
export { writeManifest } from './write-manifest.js';
export { normalizeManifest } from './normalize.js';
export { LocatorTable } from './locator-table.js';
export { SimpleTree } from './simple-tree.js';
export type { SimpleSegment } from './simple-tree.js';
export type { LocatorIds, ManifestTreeSink, ManifestTreeView } from './tree.js';
export { ManifestSyntaxError } from './manifest-syntax-error.js';
export { portableDataHash } from './portable-data-hash.js';
export {
  signLocator,
  verifyLocatorSignature,
  signatureExpiry,
  signManifest,
  stripManifestSignatures,
  verifyManifestSignatures,
} from './signature.js';
export type { SignOptions, VerifyOptions, SignatureProblem } from './signature.js';
export { validateManifest } from './validate-manifest.js';
export type { ManifestProblem } from './validate-manifest.js';

import { stripManifestSignatures } from './signature.js';
/** Alias of {@link stripManifestSignatures} under the name the Go SDK uses. */
export const stripSignatures = stripManifestSignatures;
