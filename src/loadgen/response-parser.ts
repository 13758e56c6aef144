/**
 * A small, strict HTTP/1.1 response parser for the load generator. It reads a response's status and
 * the few headers that frame it (Content-Length, Transfer-Encoding, Connection), then skips the
 * body without buffering it: the generator measures time, not content. Bytes arrive in arbitrary
 * splits from a reused read buffer, so only an incomplete response head is ever copied.
 *
 * Strictness: a malformed status line, header line, length or chunk size is a parse error with a
 * message; after one the connection must be dropped (HTTP/1.1 cannot resynchronise).
 */

/** Longest response head accepted (as Node's own parser): beyond it the response is a parse error. */
export const MAX_HEAD_BYTES = 16 * 1024;
const MAX_CHUNK_LINE = 1024;
const MAX_TRAILER_BYTES = 16 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = Buffer.from('content-length');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding');
const CONNECTION = Buffer.from('connection');
const CHUNKED = Buffer.from('chunked');
const KEEP_ALIVE = Buffer.from('keep-alive');
const CLOSE = Buffer.from('close');

enum State {
  Head = 0,
  Length = 1,
  UntilClose = 2,
  ChunkSize = 3,
  ChunkExt = 4,
  ChunkSizeLf = 5,
  ChunkData = 6,
  ChunkDataCr = 7,
  ChunkDataLf = 8,
  Trailer = 9,
  Done = 10,
  Failed = 11,
}

/** Token characters of RFC 9110 (header names). */
const TOKEN = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TOKEN[ch.charCodeAt(0)] = 1;

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

export interface ResponseSink {
  /** A complete response; `keepAlive` false when the connection must not be reused. */
  onResponse(status: number, keepAlive: boolean): void;
  onParseError(message: string): void;
}

/**
 * One parser per connection. Call `expect(noBody)` before each request (`noBody` for HEAD), then
 * `execute` with every chunk of bytes read; `finish` when the peer closes.
 */
export class ResponseParser {
  private state: number = State.Done;
  private noBody = false;
  private remaining = 0;
  private status = 0;
  private keepAlive = true;
  /** Only for a head split across reads. */
  private head: Buffer | undefined;
  private headLength = 0;
  private lineLength = 0;
  private trailerBytes = 0;
  private trailerLineEmpty = true;
  private sawSizeDigit = false;

  constructor(private readonly sink: ResponseSink) {}

  /** Prepares for the next response. */
  expect(noBody: boolean): void {
    this.state = State.Head;
    this.noBody = noBody;
    this.headLength = 0;
  }

  /** True while a response is awaited or partly read. */
  get busy(): boolean {
    return this.state !== State.Done && this.state !== State.Failed;
  }

  private isDone(): boolean {
    return this.state === State.Done;
  }

  /** True when some bytes of the current response arrived (so a close is a truncation). */
  get started(): boolean {
    return this.state !== State.Head || this.headLength > 0;
  }

  /**
   * Consumes `buf[start, end)`. Returns after a response completes, with the offset just past it,
   * or `end` when all bytes were used; -1 after a parse error.
   */
  execute(buf: Buffer, start: number, end: number): number {
    let pos = start;
    while (pos < end) {
      switch (this.state) {
        case State.Head: {
          pos = this.readHead(buf, pos, end);
          if (pos < 0) return -1;
          if (this.isDone()) return pos;
          break;
        }
        case State.Length: {
          const available = end - pos;
          if (available < this.remaining) {
            this.remaining -= available;
            return end;
          }
          pos += this.remaining;
          this.remaining = 0;
          this.complete();
          return pos;
        }
        case State.UntilClose:
          return end;
        case State.Done:
        case State.Failed:
          return this.fail('bytes received with no request outstanding');
        default: {
          pos = this.readChunked(buf, pos, end);
          if (pos < 0) return -1;
          if (this.isDone()) return pos;
        }
      }
    }
    return pos;
  }

  /** The peer closed the connection: completes a read-until-close body; false if a response was cut. */
  finish(): boolean {
    if (this.state === State.UntilClose) {
      this.keepAlive = false;
      this.complete();
      return true;
    }
    return !this.busy;
  }

  private complete(): void {
    this.state = State.Done;
    this.sink.onResponse(this.status, this.keepAlive);
  }

  private fail(message: string): number {
    this.state = State.Failed;
    this.head = undefined;
    this.sink.onParseError(message);
    return -1;
  }

  /** Finds the end of the head (possibly across reads), then parses it. */
  private readHead(buf: Buffer, pos: number, end: number): number {
    if (this.headLength === 0) {
      // Fast path: the whole head is in this read.
      const headEnd = buf.indexOf(HEAD_END, pos);
      if (headEnd >= 0 && headEnd < end) {
        if (headEnd + 4 - pos > MAX_HEAD_BYTES)
          return this.fail(`response head exceeds ${MAX_HEAD_BYTES} bytes`);
        return this.parseHead(buf, pos, headEnd);
      }
      return this.stashHead(buf, pos, end);
    }
    // Slow path: append to the partial head, then look for the terminator again (it may straddle reads).
    const searchFrom = Math.max(0, this.headLength - 3);
    const taken = Math.min(end - pos, MAX_HEAD_BYTES + 4 - this.headLength);
    const head = this.ensureHead(this.headLength + taken);
    buf.copy(head, this.headLength, pos, pos + taken);
    this.headLength += taken;
    const headEnd = head.indexOf(HEAD_END, searchFrom);
    if (headEnd < 0 || headEnd + 4 > this.headLength) {
      if (this.headLength > MAX_HEAD_BYTES) return this.fail(`response head exceeds ${MAX_HEAD_BYTES} bytes`);
      return pos + taken;
    }
    if (headEnd + 4 > MAX_HEAD_BYTES) return this.fail(`response head exceeds ${MAX_HEAD_BYTES} bytes`);
    const consumedFromThisRead = headEnd + 4 - (this.headLength - taken);
    this.headLength = 0;
    const after = this.parseHead(head, 0, headEnd);
    if (after < 0) return -1;
    return pos + consumedFromThisRead;
  }

  private stashHead(buf: Buffer, pos: number, end: number): number {
    const length = Math.min(end - pos, MAX_HEAD_BYTES + 4);
    const head = this.ensureHead(length);
    buf.copy(head, 0, pos, pos + length);
    this.headLength = length;
    if (length > MAX_HEAD_BYTES) return this.fail(`response head exceeds ${MAX_HEAD_BYTES} bytes`);
    return end;
  }

  private ensureHead(size: number): Buffer {
    if (!this.head || this.head.length < size) {
      const grown = Buffer.allocUnsafe(
        Math.min(MAX_HEAD_BYTES + 4, Math.max(size, 256, (this.head?.length ?? 0) * 2)),
      );
      if (this.head && this.headLength > 0) this.head.copy(grown, 0, 0, this.headLength);
      this.head = grown;
    }
    return this.head;
  }

  /** Parses `buf[start, headEnd)` (the head without its final CRLFCRLF); returns the offset after it. */
  private parseHead(buf: Buffer, start: number, headEnd: number): number {
    // Status line: HTTP/1.x SP 3DIGIT [SP reason]
    const lineEnd = buf.indexOf(CR, start);
    const statusEnd = lineEnd < 0 || lineEnd > headEnd ? headEnd : lineEnd;
    if (
      statusEnd - start < 12 ||
      buf[start] !== 0x48 ||
      buf[start + 1] !== 0x54 ||
      buf[start + 2] !== 0x54 ||
      buf[start + 3] !== 0x50 ||
      buf[start + 4] !== 0x2f ||
      buf[start + 5] !== 0x31 ||
      buf[start + 6] !== 0x2e ||
      (buf[start + 7] !== 0x31 && buf[start + 7] !== 0x30) ||
      buf[start + 8] !== 0x20 ||
      (statusEnd - start > 12 && buf[start + 12] !== 0x20)
    ) {
      return this.fail(`malformed status line "${printable(buf, start, Math.min(statusEnd, start + 40))}"`);
    }
    for (let i = start; i < statusEnd; i++) {
      if (buf[i] === LF) return this.fail('bare LF in the status line');
    }
    const d0 = buf[start + 9]! - 0x30;
    const d1 = buf[start + 10]! - 0x30;
    const d2 = buf[start + 11]! - 0x30;
    if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
      return this.fail(`malformed status code "${printable(buf, start + 9, start + 12)}"`);
    }
    const status = d0 * 100 + d1 * 10 + d2;
    const http10 = buf[start + 7] === 0x30;
    let contentLength = -1;
    let chunked = false;
    let teSeen = false;
    let close = http10;

    let line = statusEnd + 2;
    if (statusEnd < headEnd && buf[statusEnd + 1] !== LF) return this.fail('bare CR in the status line');
    while (line < headEnd) {
      let eol = buf.indexOf(CR, line);
      if (eol < 0 || eol > headEnd) eol = headEnd;
      if (eol < headEnd && buf[eol + 1] !== LF) return this.fail('bare CR in a header line');
      const colon = buf.indexOf(0x3a, line);
      if (colon < 0 || colon >= eol || colon === line) {
        return this.fail(`malformed header line "${printable(buf, line, Math.min(eol, line + 40))}"`);
      }
      for (let i = line; i < colon; i++) {
        if (TOKEN[buf[i]!] !== 1)
          return this.fail(`invalid character in header name "${printable(buf, line, colon)}"`);
      }
      for (let i = colon + 1; i < eol; i++) {
        if (buf[i] === LF) return this.fail('bare LF in a header line');
      }
      const nameLength = colon - line;
      if (nameLength === 14 && equalsLower(buf, line, CONTENT_LENGTH)) {
        const value = parseDecimal(buf, colon + 1, eol);
        if (value < 0) return this.fail(`invalid Content-Length "${printable(buf, colon + 1, eol).trim()}"`);
        if (contentLength >= 0 && contentLength !== value)
          return this.fail('conflicting Content-Length headers');
        contentLength = value;
      } else if (nameLength === 17 && equalsLower(buf, line, TRANSFER_ENCODING)) {
        teSeen = true;
        const [from, to] = trimmed(buf, colon + 1, eol);
        chunked =
          (to - from === 7 && equalsLower(buf, from, CHUNKED)) ||
          /(?:^|,)\s*chunked\s*$/i.test(buf.toString('latin1', colon + 1, eol));
      } else if (nameLength === 10 && equalsLower(buf, line, CONNECTION)) {
        // Fast paths for the two common single values; anything else (lists) by regex.
        const [from, to] = trimmed(buf, colon + 1, eol);
        if (to - from === 10 && equalsLower(buf, from, KEEP_ALIVE)) {
          if (http10) close = false;
        } else if (to - from === 5 && equalsLower(buf, from, CLOSE)) {
          close = true;
        } else {
          const value = buf.toString('latin1', colon + 1, eol).toLowerCase();
          if (/(?:^|,)\s*close\s*(?:,|$)/.test(value)) close = true;
          else if (http10 && /(?:^|,)\s*keep-alive\s*(?:,|$)/.test(value)) close = false;
        }
      }
      line = eol + 2;
    }
    if (teSeen && contentLength >= 0)
      return this.fail('both Transfer-Encoding and Content-Length (response smuggling)');

    const after = headEnd + 4;
    if (status < 200) {
      if (status === 101) return this.fail('unexpected 101 Switching Protocols');
      // Interim response (100, 103): the real one follows.
      this.headLength = 0;
      this.state = State.Head;
      return after;
    }
    this.status = status;
    this.keepAlive = !close;
    if (this.noBody || status === 204 || status === 304) {
      this.complete();
    } else if (chunked) {
      this.state = State.ChunkSize;
      this.remaining = 0;
      this.lineLength = 0;
      this.sawSizeDigit = false;
    } else if (contentLength >= 0) {
      if (contentLength === 0) this.complete();
      else {
        this.state = State.Length;
        this.remaining = contentLength;
      }
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
    return after;
  }

  /** Chunked body: sizes in hex, optional extensions, data, CRLF; then trailers and a blank line. */
  private readChunked(buf: Buffer, pos: number, end: number): number {
    while (pos < end) {
      switch (this.state) {
        case State.ChunkSize: {
          const ch = buf[pos]!;
          const digit = HEX[ch]!;
          if (digit >= 0) {
            if (this.remaining > 0xfffffffffff) return this.fail('chunk size too large');
            this.remaining = this.remaining * 16 + digit;
            this.sawSizeDigit = true;
          } else if (ch === CR && this.sawSizeDigit) {
            this.state = State.ChunkSizeLf;
          } else if ((ch === 0x3b || ch === 0x20 || ch === 0x09) && this.sawSizeDigit) {
            this.state = State.ChunkExt;
          } else {
            return this.fail(`invalid chunk size byte 0x${ch.toString(16)}`);
          }
          if (++this.lineLength > MAX_CHUNK_LINE) return this.fail('chunk size line too long');
          pos++;
          break;
        }
        case State.ChunkExt: {
          const ch = buf[pos]!;
          if (ch === CR) this.state = State.ChunkSizeLf;
          else if (ch === LF) return this.fail('bare LF in a chunk size line');
          if (++this.lineLength > MAX_CHUNK_LINE) return this.fail('chunk size line too long');
          pos++;
          break;
        }
        case State.ChunkSizeLf: {
          if (buf[pos] !== LF) return this.fail('chunk size line not ended by CRLF');
          pos++;
          this.lineLength = 0;
          this.sawSizeDigit = false;
          if (this.remaining === 0) {
            this.state = State.Trailer;
            this.trailerBytes = 0;
            this.trailerLineEmpty = true;
          } else {
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const available = end - pos;
          if (available < this.remaining) {
            this.remaining -= available;
            return end;
          }
          pos += this.remaining;
          this.remaining = 0;
          this.state = State.ChunkDataCr;
          break;
        }
        case State.ChunkDataCr: {
          if (buf[pos] !== CR) return this.fail('chunk data not followed by CRLF');
          this.state = State.ChunkDataLf;
          pos++;
          break;
        }
        case State.ChunkDataLf: {
          if (buf[pos] !== LF) return this.fail('chunk data not followed by CRLF');
          this.state = State.ChunkSize;
          pos++;
          break;
        }
        case State.Trailer: {
          // Lines until an empty one; content ignored, size bounded. CR LF handled via `lineLength`.
          const ch = buf[pos]!;
          pos++;
          if (++this.trailerBytes > MAX_TRAILER_BYTES) return this.fail('trailers too large');
          if (ch === CR) {
            if (this.lineLength === 1) return this.fail('bare CR in trailers');
            this.lineLength = 1;
            continue;
          }
          if (ch === LF) {
            if (this.lineLength !== 1) return this.fail('bare LF in trailers');
            this.lineLength = 0;
            if (this.trailerLineEmpty) {
              this.complete();
              return pos;
            }
            this.trailerLineEmpty = true;
            continue;
          }
          if (this.lineLength === 1) return this.fail('bare CR in trailers');
          this.trailerLineEmpty = false;
          break;
        }
        default:
          return this.fail('internal parser state error');
      }
    }
    return pos;
  }
}

function equalsLower(buf: Buffer, start: number, lower: Buffer): boolean {
  for (let i = 0; i < lower.length; i++) {
    if ((buf[start + i]! | 0x20) !== lower[i]) return false;
  }
  return true;
}

/** [start, end) without surrounding spaces and tabs. */
function trimmed(buf: Buffer, start: number, end: number): [number, number] {
  let i = start;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  let j = end;
  while (j > i && (buf[j - 1] === 0x20 || buf[j - 1] === 0x09)) j--;
  return [i, j];
}

/** A non-negative decimal with optional surrounding spaces/tabs; -1 when invalid. */
function parseDecimal(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  let j = end;
  while (j > i && (buf[j - 1] === 0x20 || buf[j - 1] === 0x09)) j--;
  if (i === j || j - i > 15) return -1;
  let value = 0;
  for (let k = i; k < j; k++) {
    const d = buf[k]! - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

function printable(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, Math.max(start, end)).replace(/[^\x20-\x7e]/g, '?');
}
