/**
 * Splits a stream of text chunks into lines. Only the new chunk is scanned for a newline, and a
 * long line is collected as parts, so a large message costs O(size), not O(size²).
 */
export class LineSplitter {
  private parts: string[] = [];
  /** Characters received that are not yet part of a complete line. */
  pending = 0;

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      const tail = chunk.slice(start, nl);
      const line = this.parts.length > 0 ? this.parts.join('') + tail : tail;
      this.parts = [];
      this.pending = 0;
      this.onLine(line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.slice(start);
      this.parts.push(rest);
      this.pending += rest.length;
    }
  }
}
