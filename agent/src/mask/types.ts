/**
 * The masker: replaces every secret (and its common encodings) with `***` in byte streams and
 * strings. One Masker per task; one ByteMaskStream per output stream (stdout, stderr).
 */
export interface ByteMaskStream {
  /**
   * Feeds bytes and returns those now safe to emit, masked. Holds back at most
   * (longest pattern − 1) bytes, so memory stays bounded on a line without newline.
   * The chunk is never modified; the result may share its memory (do not reuse the chunk's
   * memory for new data while the result is still in use).
   */
  push(chunk: Buffer): Buffer;
  /**
   * Feeds one whole line (with its newline): like `push`, and a secret whose visible text terminal
   * escape sequences split (`grep --color`) is masked too.
   */
  pushLine(line: Buffer): Buffer;
  /**
   * When the bytes held back end a line, returns them masked and goes on: a quiet stream's last
   * line is not left waiting for bytes that may never come (its tail looked like the start of a
   * pattern). A pattern spanning that line end is then not seen whole; a multi-line secret's lines
   * are patterns of their own. Returns nothing when the held bytes do not end a line.
   */
  releaseLine(): Buffer;
  /** Returns everything still held back, masked. The stream is done after this. */
  end(): Buffer;
}

export interface Masker {
  /** Registers a secret at run time (e.g. `::add-mask::`); applies to every byte not yet emitted. */
  add(secret: string): void;
  /** Masks a whole string: agent messages, outputs, error texts, reports. */
  maskString(text: string): string;
  /** A new stream masker sharing this masker's secrets. */
  stream(): ByteMaskStream;
  /** Replacements made so far, across all strings and streams. */
  readonly replacements: number;
}
