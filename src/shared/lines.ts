/**
 * Splits a stream of text chunks into lines. Only the new chunk is scanned for a newline, and a
 * long line is collected as parts, so a large message costs O(size), not O(size²). With a limit,
 * a line (complete or not) over `maxLineBytes` UTF-8 bytes is never collected: `onOverflow` is
 * called once and everything after it is ignored (the caller closes the stream).
 */
export class LineSplitter {
  private parts: string[] = [];
  /** Characters received that are not yet part of a complete line. */
  pending = 0;
  private pendingBytes = 0;
  /** Set once a line went over the limit: nothing more is split. */
  overflowed = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly limit?: { maxLineBytes: number; onOverflow: () => void },
  ) {}

  push(chunk: string): void {
    if (this.overflowed) return;
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      const tail = chunk.slice(start, nl);
      if (this.tooLong(tail)) return;
      const line = this.parts.length > 0 ? this.parts.join('') + tail : tail;
      this.parts = [];
      this.pending = 0;
      this.pendingBytes = 0;
      this.onLine(line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.slice(start);
      if (this.tooLong(rest)) return;
      this.parts.push(rest);
      this.pending += rest.length;
      if (this.limit) this.pendingBytes += Buffer.byteLength(rest, 'utf8');
    }
  }

  private tooLong(more: string): boolean {
    if (!this.limit) return false;
    // (a character is at most 4 bytes: count exactly only when it could matter)
    if ((this.pending + more.length) * 4 <= this.limit.maxLineBytes) return false;
    if (this.pendingBytes + Buffer.byteLength(more, 'utf8') <= this.limit.maxLineBytes) return false;
    this.overflowed = true;
    this.parts = [];
    this.limit.onOverflow();
    return true;
  }
}
