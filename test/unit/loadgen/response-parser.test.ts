import { describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, ResponseParser } from '../../../src/loadgen/response-parser.js';

interface Outcome {
  responses: { status: number; keepAlive: boolean }[];
  error?: string;
}

/**
 * Feeds `parts` to one parser the way the engine does: expect() before each response, execute on
 * every read, finish() at the end when `closeAtEnd`.
 */
function feed(
  parts: Buffer[],
  options: { expected: number; noBody?: boolean[]; closeAtEnd?: boolean },
): Outcome {
  const outcome: Outcome = { responses: [] };
  const parser = new ResponseParser({
    onResponse: (status, keepAlive) => outcome.responses.push({ status, keepAlive }),
    onParseError: (message) => {
      outcome.error = message;
    },
  });
  let index = 0;
  parser.expect(options.noBody?.[0] ?? false);
  for (const part of parts) {
    let pos = 0;
    while (pos < part.length) {
      const before = outcome.responses.length;
      const next = parser.execute(part, pos, part.length);
      if (next < 0) return outcome;
      if (outcome.responses.length > before) {
        index++;
        if (index < options.expected) parser.expect(options.noBody?.[index] ?? false);
      }
      pos = next;
    }
  }
  if (options.closeAtEnd && !parser.finish() && !outcome.error) outcome.error = 'truncated';
  return outcome;
}

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** A small seeded PRNG (mulberry32), so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomSplit(buf: Buffer, random: () => number): Buffer[] {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const size = 1 + Math.floor(random() * Math.min(buf.length - pos, random() < 0.5 ? 4 : 64));
    // Copies, as each read lands in the (reused) read buffer.
    parts.push(Buffer.from(buf.subarray(pos, pos + size)));
    pos += size;
  }
  return parts;
}

const VALID: {
  name: string;
  text: string;
  expected: { status: number; keepAlive: boolean }[];
  noBody?: boolean[];
  closeAtEnd?: boolean;
}[] = [
  {
    name: 'content-length',
    text: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
    expected: [{ status: 200, keepAlive: true }],
  },
  {
    name: 'two keep-alive responses',
    text: 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n',
    expected: [
      { status: 200, keepAlive: true },
      { status: 503, keepAlive: true },
    ],
  },
  {
    name: 'chunked with extension and trailer',
    text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n',
    expected: [{ status: 200, keepAlive: true }],
  },
  {
    name: 'chunked empty',
    text: 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    expected: [{ status: 200, keepAlive: true }],
  },
  {
    name: 'connection close',
    text: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye',
    expected: [{ status: 200, keepAlive: false }],
  },
  {
    name: 'HEAD ignores content-length',
    text: 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n',
    expected: [{ status: 200, keepAlive: true }],
    noBody: [true],
  },
  {
    name: '204 has no body',
    text: 'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n',
    expected: [{ status: 204, keepAlive: true }],
  },
  {
    name: '304 has no body',
    text: 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n',
    expected: [{ status: 304, keepAlive: true }],
  },
  {
    name: 'interim 100 and 103 then the response',
    text: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx',
    expected: [{ status: 201, keepAlive: true }],
  },
  {
    name: 'body until close',
    text: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nstreams until the end',
    expected: [{ status: 200, keepAlive: false }],
    closeAtEnd: true,
  },
  {
    name: 'HTTP/1.0 closes by default',
    text: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
    expected: [{ status: 200, keepAlive: false }],
  },
  {
    name: 'HTTP/1.0 keep-alive',
    text: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok',
    expected: [{ status: 200, keepAlive: true }],
  },
  {
    name: 'no reason phrase',
    text: 'HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n',
    expected: [{ status: 404, keepAlive: true }],
  },
  {
    name: 'repeated equal content-length',
    text: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok',
    expected: [{ status: 200, keepAlive: true }],
  },
];

const INVALID: { name: string; text: string; message: RegExp }[] = [
  { name: 'not HTTP', text: 'SPDY/9 what is this\r\n\r\n', message: /malformed status line/ },
  { name: 'bad status code', text: 'HTTP/1.1 20x OK\r\n\r\n', message: /malformed status code/ },
  { name: 'status out of range', text: 'HTTP/1.1 700 Weird\r\n\r\n', message: /malformed status code/ },
  {
    name: 'header without colon',
    text: 'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
    message: /malformed header line/,
  },
  {
    name: 'space before colon',
    text: 'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok',
    message: /invalid character in header name/,
  },
  {
    name: 'obs-fold',
    text: 'HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n',
    message: /header/,
  },
  {
    name: 'bad content-length',
    text: 'HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n',
    message: /invalid Content-Length/,
  },
  {
    name: 'negative content-length',
    text: 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
    message: /invalid Content-Length/,
  },
  {
    name: 'conflicting content-length',
    text: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
    message: /conflicting/,
  },
  {
    name: 'CL with TE',
    text: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    message: /smuggling/,
  },
  {
    name: 'bad chunk size',
    text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    message: /invalid chunk size/,
  },
  {
    name: 'chunk without CRLF',
    text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n',
    message: /not followed by CRLF/,
  },
  {
    name: 'bare LF in a header',
    text: 'HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\nContent-Length: 0\r\n\r\n',
    message: /bare LF/,
  },
  {
    name: 'bytes after a complete response',
    text: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nEXTRA',
    message: /no request outstanding/,
  },
  {
    name: 'oversized head',
    text: `HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(MAX_HEAD_BYTES)}\r\nContent-Length: 0\r\n\r\n`,
    message: /exceeds 16384 bytes/,
  },
  {
    name: '101 switching',
    text: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n',
    message: /101/,
  },
];

describe('ResponseParser', () => {
  for (const c of VALID) {
    it(`parses ${c.name} in one read`, () => {
      const outcome = feed([bytes(c.text)], {
        expected: c.expected.length,
        noBody: c.noBody,
        closeAtEnd: c.closeAtEnd,
      });
      expect(outcome.error).toBeUndefined();
      expect(outcome.responses).toEqual(c.expected);
    });
  }

  for (const c of INVALID) {
    it(`rejects ${c.name} with a clear message`, () => {
      // "bytes after a complete response": the engine never calls expect() for a second response.
      const outcome = feed([bytes(c.text)], { expected: 1 });
      expect(outcome.error).toMatch(c.message);
    });
  }

  it('reports a truncated body as not finished', () => {
    const outcome = feed([bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')], {
      expected: 1,
      closeAtEnd: true,
    });
    expect(outcome.responses).toEqual([]);
    expect(outcome.error).toBe('truncated');
  });

  it('rejects an oversized head that arrives in small pieces without buffering past the limit', () => {
    const head = bytes(`HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(MAX_HEAD_BYTES * 2)}`);
    const parts = randomSplit(head, prng(7));
    const outcome = feed(parts, { expected: 1 });
    expect(outcome.error).toMatch(/exceeds/);
  });

  describe('fuzz: random splits (seeded)', () => {
    it('gives the same result for every split of valid responses', () => {
      const random = prng(20261123);
      for (let round = 0; round < 300; round++) {
        for (const c of VALID) {
          const parts = randomSplit(bytes(c.text), random);
          const outcome = feed(parts, {
            expected: c.expected.length,
            noBody: c.noBody,
            closeAtEnd: c.closeAtEnd,
          });
          expect(outcome.error, `${c.name} round ${round}`).toBeUndefined();
          expect(outcome.responses, `${c.name} round ${round}`).toEqual(c.expected);
        }
      }
    });

    it('rejects every split of invalid responses, never throwing', () => {
      const random = prng(42);
      for (let round = 0; round < 200; round++) {
        for (const c of INVALID) {
          const parts = randomSplit(bytes(c.text), random);
          const outcome = feed(parts, { expected: 1 });
          expect(outcome.error, `${c.name} round ${round}`).toMatch(c.message);
        }
      }
    });

    it('never throws on random mutations of valid responses', () => {
      const random = prng(99);
      let errors = 0;
      let responses = 0;
      for (let round = 0; round < 3000; round++) {
        const c = VALID[Math.floor(random() * VALID.length)]!;
        const mutated = bytes(c.text);
        const flips = 1 + Math.floor(random() * 3);
        for (let i = 0; i < flips; i++)
          mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
        const outcome = feed(randomSplit(mutated, random), {
          expected: c.expected.length,
          noBody: c.noBody,
          closeAtEnd: true,
        });
        if (outcome.error) errors++;
        responses += outcome.responses.length;
        for (const r of outcome.responses) expect(r.status).toBeGreaterThanOrEqual(200);
      }
      // Both outcomes occur: the mutations are neither all harmless nor all fatal.
      expect(errors).toBeGreaterThan(100);
      expect(responses).toBeGreaterThan(100);
    });
  });
});
