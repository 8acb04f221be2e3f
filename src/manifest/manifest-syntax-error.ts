import { KeepError } from '../errors.js';

/**
 * A manifest the Go loader would reject. `message` is exactly Go's error text
 * (`malformed manifest_text: line N: <detail>`), code `ERR_MANIFEST_SYNTAX`.
 *
 * @example
 * try { loadManifest('. x+1\n', new SimpleTree()); }
 * catch (err) { if (err instanceof ManifestSyntaxError) err.line; } // 1 ("no file segments")
 */
export class ManifestSyntaxError extends KeepError {
  /** 1-based line number. */
  readonly line: number;
  /** The offending token as it appears in the text (a byte string; `""` when none applies). */
  readonly token: string;

  /**
   * @param line 1-based line number
   * @param detail Go's detail text, e.g. `bad locator "x"`
   * @param token the raw offending token (byte string)
   */
  constructor(line: number, detail: string, token = '') {
    super('ERR_MANIFEST_SYNTAX', `malformed manifest_text: line ${line}: ${detail}`);
    this.line = line;
    this.token = token;
  }
}
