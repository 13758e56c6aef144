/**
 * A task's combined stdout and stderr, bounded: a 10 MB log must not hold 10 MB per task in
 * memory, and the end of a log is where a failure shows. Bytes in, text out: decoding happens once
 * at the end and is lossy (invalid UTF-8 becomes U+FFFD), so binary output cannot crash the build.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.total += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.limit) {
      const first = this.chunks.shift()!;
      this.size -= first.length;
    }
  }

  /** The tail as text, and how many bytes from the front are not in it. */
  snapshot(): { text: string; droppedBytes: number } {
    const all = Buffer.concat(this.chunks);
    let start = Math.max(0, all.length - this.limit);
    // Start at a line boundary when one is near, so the first line shown is not half a line.
    if (start > 0) {
      const newline = all.indexOf(0x0a, start);
      if (newline !== -1 && newline - start < 4096) start = newline + 1;
    }
    const kept = all.subarray(start);
    return {
      text: new TextDecoder('utf-8', { fatal: false }).decode(kept),
      droppedBytes: this.total - kept.length,
    };
  }
}

/** The last `count` lines of a text, without a trailing empty line. */
export function lastLines(text: string, count: number): string[] {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (lines.length === 1 && lines[0] === '') return [];
  return lines.slice(-count);
}
