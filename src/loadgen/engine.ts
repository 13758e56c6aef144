/**
 * The load engine: HTTP/1.1 keep-alive connections over node:net / node:tls, driven either by a
 * fixed schedule (open model) or by responses (closed model).
 *
 * Why it is shaped like this (each point measured to matter): request bytes are prepared once;
 * plain-TCP sockets read through `onread` into one shared buffer (no Buffer per read); responses
 * are parsed with `Buffer.indexOf` and skipped without copying; per-connection times live in typed
 * arrays indexed by connection slot, so a request costs no promise, closure or object; one write
 * per socket per read event.
 *
 * Open model: request k is intended at `start + phase + k / rate`; its latency is measured from
 * that intended time (or from the actual send when the timer let it go slightly early), so a
 * stalled server cannot hide behind a waiting client (no coordinated omission). Connections are
 * opened on demand up to `maxConnections`; beyond that requests queue, and the run is marked
 * `scheduleMissed`.
 *
 * Paired A/B (two sides): every scheduled slot becomes a pair, one request to each side with the
 * same path, in a random order within the pair, half a slot apart; the closed model's workers
 * alternate the same way. Each side has its own connections and recorder.
 *
 * Pipelining (closed model, one target, only when asked): each connection keeps `pipelining`
 * requests in flight, topped up in one corked write after each read.
 */
import net from 'node:net';
import tls from 'node:tls';
import { createHistogram, type Histogram } from '../stats/hdr.js';
import type { ErrorKind, Recorder } from './recorder.js';
import type { PreparedRequest } from './request.js';
import { ResponseParser, type ResponseSink } from './response-parser.js';

export interface EndpointAddress {
  /** Address to connect to (resolved once by the pre-flight). */
  address: string;
  port: number;
  tls: boolean;
  /** SNI and certificate name for TLS. */
  servername: string;
  insecure: boolean;
}

/** One target: where to connect, what to send, where outcomes go. */
export interface EngineSide {
  endpoint: EndpointAddress;
  requests: readonly PreparedRequest[];
  recorder: Recorder;
}

export interface EngineOptions {
  /** One target, or two for a paired A/B run (same schedule, alternating). */
  sides: readonly EngineSide[];
  /** Path indexes in weighted order, repeated. */
  cycle: Uint16Array;
  model: 'open' | 'closed';
  /** Open model: requests per second to each side. */
  rate: number;
  /** Open model: offset of the first intended send (shards interleave on one schedule). */
  phaseMs: number;
  /** Open model, two sides: the second request of a pair follows this long after the first. */
  pairOffsetMs?: number | undefined;
  /** Closed model: connections kept busy (per side). */
  connections: number;
  maxConnections: number;
  warmupMs: number;
  durationMs: number;
  timeoutMs: number;
  /** Cap on measured requests (warmup not counted). */
  maxRequests?: number | undefined;
  /** Closed model, one side: requests kept in flight per connection (HTTP/1.1 pipelining); 1 = none. */
  pipelining?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface EngineStats {
  /** performance.now() at the start of the measured window and at its end. */
  measuredStart: number;
  measuredEnd: number;
  /** Requests sent (including warmup). */
  sent: number;
  /** The target could not absorb the schedule with the connections allowed. */
  scheduleMissed: boolean;
  /** Most requests waiting for a free connection at once. */
  maxQueued: number;
  connectionsOpened: number;
  peakConnections: number;
  /**
   * Open model: how long after its intended time each measured request actually left
   * (microseconds): timer lag, a busy generator, or waiting for a connection.
   */
  sendLag: Histogram;
}

const READ_BUFFER_BYTES = 64 * 1024;
/** The timer may release a request this early; it is then timed from its actual send. */
const EARLY_MS = 1;
const QUEUE_LIMIT = 1 << 20;
const RECONNECT_BACKOFF_MS = 10;

enum Slot {
  Empty = 0,
  Connecting = 1,
  Idle = 2,
  Busy = 3,
}

class Connection implements ResponseSink {
  socket: net.Socket | undefined;
  readonly parser: ResponseParser;
  /** Set by the parser during `execute`, consumed after it (one write per read event). */
  done = false;
  doneStatus = 0;
  doneKeepAlive = true;
  parseError: string | undefined;
  errorCode: string | undefined;
  everConnected = false;
  /** Closed on purpose by us: its close event is not an error. */
  retired = false;

  constructor(readonly id: number) {
    this.parser = new ResponseParser(this);
  }

  onResponse(status: number, keepAlive: boolean): void {
    this.done = true;
    this.doneStatus = status;
    this.doneKeepAlive = keepAlive;
  }

  onParseError(message: string): void {
    this.parseError = message;
  }
}

/** Requests waiting for a connection (open model), a growable ring of typed arrays. */
class WaitQueue {
  starts = new Float64Array(256);
  paths = new Uint16Array(256);
  head = 0;
  length = 0;

  push(start: number, path: number): void {
    if (this.length === this.starts.length) this.grow();
    const index = (this.head + this.length) % this.starts.length;
    this.starts[index] = start;
    this.paths[index] = path;
    this.length++;
  }

  /** The head's start (negative when not measured); call `shift` after reading `headPath`. */
  get headStart(): number {
    return this.starts[this.head]!;
  }

  get headPath(): number {
    return this.paths[this.head]!;
  }

  shift(): void {
    this.head = (this.head + 1) % this.starts.length;
    this.length--;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const starts = new Float64Array(size);
    const paths = new Uint16Array(size);
    for (let i = 0; i < this.length; i++) {
      const from = (this.head + i) % this.starts.length;
      starts[i] = this.starts[from]!;
      paths[i] = this.paths[from]!;
    }
    this.starts = starts;
    this.paths = paths;
    this.head = 0;
  }
}

export function runEngine(options: EngineOptions): Promise<EngineStats> {
  return new Engine(options).run();
}

class Engine {
  private readonly o: EngineOptions;
  private readonly sideCount: number;
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly slots: (Connection | undefined)[];
  private readonly state: Uint8Array;
  private readonly sideOf: Uint8Array;
  /** Latency origin per slot (ms, performance.now()). */
  private readonly startAt: Float64Array;
  /** Actual send (or connect start) per slot, for the timeout. */
  private readonly sentAt: Float64Array;
  private readonly pathOf: Uint16Array;
  private readonly measuredFlag: Uint8Array;
  /** Open model: idle connections per side, as stacks. */
  private readonly idle: Int32Array[];
  private readonly idleCount: Int32Array;
  private readonly queues: WaitQueue[];
  private queued = 0;
  private open = 0;

  /** Closed model: per worker, the pair's path, the side still to send (-1: none), the side awaiting a connect. */
  private readonly workerPath: Uint16Array;
  private readonly workerSecond: Int8Array;
  private readonly workerWant: Int8Array;

  /** Pipelining (closed model, depth > 1): per slot, a ring of `depth` in-flight requests, oldest first. */
  private readonly depth: number;
  private readonly pStart: Float64Array;
  private readonly pPath: Uint16Array;
  private readonly pMeasured: Uint8Array;
  private readonly pHead: Uint8Array;
  private readonly pCount: Uint8Array;

  private t0 = 0;
  private windowStart = 0;
  private windowEnd = 0;
  private drainDeadline = 0;
  private scheduling = true;
  private finished = false;
  private nextK = 0;
  private cycleIndex = 0;
  private pairPath = 0;
  private pairOrder = 0;
  private random = (Math.random() * 0xffffffff) >>> 0 || 1;
  private measuredSent = 0;
  private inFlight = 0;
  private lastCompletion = 0;
  private capped = false;
  private readonly stats: EngineStats = {
    measuredStart: 0,
    measuredEnd: 0,
    sent: 0,
    scheduleMissed: false,
    maxQueued: 0,
    connectionsOpened: 0,
    peakConnections: 0,
    sendLag: createHistogram(),
  };
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  private resolve!: (stats: EngineStats) => void;

  constructor(options: EngineOptions) {
    this.o = options;
    this.sideCount = options.sides.length;
    const slots = options.model === 'closed' ? options.connections * this.sideCount : options.maxConnections;
    this.slots = new Array(slots).fill(undefined);
    this.state = new Uint8Array(slots);
    this.sideOf = new Uint8Array(slots);
    this.startAt = new Float64Array(slots);
    this.sentAt = new Float64Array(slots);
    this.pathOf = new Uint16Array(slots);
    this.measuredFlag = new Uint8Array(slots);
    this.idle = options.sides.map(() => new Int32Array(slots));
    this.idleCount = new Int32Array(this.sideCount);
    this.queues = options.sides.map(() => new WaitQueue());
    const workers = options.model === 'closed' ? options.connections : 0;
    this.workerPath = new Uint16Array(workers);
    this.workerSecond = new Int8Array(workers).fill(-1);
    this.workerWant = new Int8Array(workers).fill(-1);
    this.depth =
      options.model === 'closed' && this.sideCount === 1 ? Math.max(1, options.pipelining ?? 1) : 1;
    const ring = this.depth > 1 ? slots * this.depth : 0;
    this.pStart = new Float64Array(ring);
    this.pPath = new Uint16Array(ring);
    this.pMeasured = new Uint8Array(ring);
    this.pHead = new Uint8Array(this.depth > 1 ? slots : 0);
    this.pCount = new Uint8Array(this.depth > 1 ? slots : 0);
  }

  run(): Promise<EngineStats> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      const now = performance.now();
      this.t0 = now;
      this.windowStart = now + this.o.warmupMs;
      this.windowEnd = this.windowStart + this.o.durationMs;
      this.drainDeadline = this.windowEnd + this.o.timeoutMs;
      this.stats.measuredStart = this.windowStart;
      this.o.signal?.addEventListener('abort', this.onAbort, { once: true });
      const sweepEvery = Math.max(5, Math.min(100, this.o.timeoutMs / 4));
      this.sweeper = setInterval(() => this.sweep(), sweepEvery);
      if (this.o.model === 'closed') {
        for (let worker = 0; worker < this.o.connections; worker++) this.startPair(worker);
        this.endTimer = setTimeout(() => this.endClosed(), this.windowEnd - now);
      } else {
        this.tick();
      }
    });
  }

  private readonly onAbort = (): void => {
    this.scheduling = false;
    this.windowEnd = Math.min(this.windowEnd, performance.now());
    this.finish();
  };

  private recorder(id: number): Recorder {
    return this.o.sides[this.sideOf[id]!]!.recorder;
  }

  /** A random bit (xorshift32): which side goes first in a pair. */
  private coin(): number {
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x >>> 0;
    return this.random & 1;
  }

  private nextPath(): number {
    const path = this.o.cycle[this.cycleIndex]!;
    this.cycleIndex = this.cycleIndex + 1 === this.o.cycle.length ? 0 : this.cycleIndex + 1;
    return path;
  }

  // ---- open model ------------------------------------------------------------------------------

  private intended(k: number): number {
    if (this.sideCount === 1) return this.t0 + this.o.phaseMs + (k * 1000) / this.o.rate;
    const pair = (k / this.sideCount) | 0;
    const second = k - pair * this.sideCount;
    const offset = this.o.pairOffsetMs ?? 500 / this.o.rate;
    return this.t0 + this.o.phaseMs + (pair * 1000) / this.o.rate + second * offset;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    if (!this.scheduling) return;
    const now = performance.now();
    const limit = now + EARLY_MS;
    let due = this.intended(this.nextK);
    while (due <= limit) {
      if (due >= this.windowEnd) {
        this.stopScheduling();
        return;
      }
      const measured = due >= this.windowStart;
      if (measured && this.o.maxRequests !== undefined && this.measuredSent >= this.o.maxRequests) {
        this.capped = true;
        this.stopScheduling();
        return;
      }
      let side = 0;
      if (this.sideCount === 1) this.pairPath = this.nextPath();
      else {
        const second = this.nextK % this.sideCount;
        if (second === 0) {
          this.pairPath = this.nextPath();
          this.pairOrder = this.coin();
        }
        side = second ^ this.pairOrder;
      }
      this.nextK++;
      this.dispatch(Math.min(due, now), this.pairPath, measured, side);
      due = this.intended(this.nextK);
    }
    this.timer = setTimeout(this.tick, Math.max(0, due - EARLY_MS - now));
  };

  private stopScheduling(): void {
    this.scheduling = false;
    this.maybeFinish();
  }

  /** Sends now on an idle connection, on a new one, or queues when all allowed are busy. */
  private dispatch(start: number, path: number, measured: boolean, side: number): void {
    if (measured) this.measuredSent++;
    this.inFlight++;
    if (this.idleCount[side]! > 0) {
      const id = this.idle[side]![--this.idleCount[side]!]!;
      this.send(id, start, path, measured);
      return;
    }
    if (this.open < this.slots.length) {
      const id = this.freeSlot();
      this.sideOf[id] = side;
      this.pathOf[id] = path;
      this.startAt[id] = start;
      this.measuredFlag[id] = measured ? 1 : 0;
      this.connect(id);
      return;
    }
    this.stats.scheduleMissed = true;
    this.enqueue(start, path, measured, side);
  }

  private freeSlot(): number {
    for (let id = 0; id < this.slots.length; id++) if (this.state[id] === Slot.Empty) return id;
    throw new Error('no free connection slot');
  }

  private enqueue(start: number, path: number, measured: boolean, side: number): void {
    if (this.queued === QUEUE_LIMIT) {
      this.inFlight--;
      if (measured) {
        const message = 'more requests waiting than the queue holds; the target is far behind the schedule';
        this.o.sides[side]!.recorder.failure(path, 'dropped', message);
      }
      return;
    }
    // The measured flag rides in the sign of the start time (times are always positive).
    this.queues[side]!.push(measured ? start : -start, path);
    this.queued++;
    if (this.queued > this.stats.maxQueued) this.stats.maxQueued = this.queued;
  }

  /** Sends the oldest request waiting for `side` on connection `id`. */
  private sendQueued(id: number, side: number, now: number): void {
    const queue = this.queues[side]!;
    const start = queue.headStart;
    const path = queue.headPath;
    queue.shift();
    this.queued--;
    this.send(id, Math.abs(start), path, start > 0, now);
  }

  // ---- closed model ----------------------------------------------------------------------------

  /** A worker starts its next pair (or single request): path, order, first send. */
  private startPair(worker: number): void {
    if (!this.scheduling) {
      this.maybeFinish();
      return;
    }
    // Pipelined connections draw a path per request instead.
    if (this.depth === 1) this.workerPath[worker] = this.nextPath();
    const first = this.sideCount === 2 ? this.coin() : 0;
    this.workerSecond[worker] = this.sideCount === 2 ? 1 - first : -1;
    this.trySend(worker, first);
  }

  /** The worker's next request goes to `side`: on its connection when idle, else after connecting. */
  private trySend(worker: number, side: number): void {
    const id = worker + side * this.o.connections;
    const state = this.state[id];
    if (state === Slot.Idle) {
      if (this.depth > 1) this.fillPipeline(id, performance.now());
      else this.sendClosed(id, performance.now());
      return;
    }
    this.workerWant[worker] = side;
    if (state === Slot.Empty) {
      this.sideOf[id] = side;
      this.connect(id);
    }
  }

  /** The worker's request on slot `id` is over (answered or failed): the other side, or a new pair. */
  private continueWorker(id: number): void {
    const worker = id % this.o.connections;
    this.workerWant[worker] = -1;
    if (!this.scheduling) {
      this.maybeFinish();
      return;
    }
    const second = this.workerSecond[worker]!;
    if (second >= 0) {
      this.workerSecond[worker] = -1;
      this.trySend(worker, second);
    } else this.startPair(worker);
  }

  private sendClosed(id: number, now: number): void {
    const measured = now >= this.windowStart;
    if (measured && this.o.maxRequests !== undefined && this.measuredSent >= this.o.maxRequests) {
      this.capped = true;
      this.scheduling = false;
      this.state[id] = Slot.Idle;
      this.maybeFinish();
      return;
    }
    if (measured) this.measuredSent++;
    this.inFlight++;
    this.send(id, now, this.workerPath[id % this.o.connections]!, measured, now);
  }

  // ---- connections -----------------------------------------------------------------------------

  private connect(id: number): void {
    const connection = new Connection(id);
    this.slots[id] = connection;
    this.state[id] = Slot.Connecting;
    this.sentAt[id] = performance.now();
    this.open++;
    this.stats.connectionsOpened++;
    if (this.open > this.stats.peakConnections) this.stats.peakConnections = this.open;
    const { endpoint } = this.o.sides[this.sideOf[id]!]!;
    let socket: net.Socket;
    if (endpoint.tls) {
      socket = tls.connect({
        host: endpoint.address,
        port: endpoint.port,
        servername: net.isIP(endpoint.servername) ? undefined : endpoint.servername,
        rejectUnauthorized: !endpoint.insecure,
        ALPNProtocols: ['http/1.1'],
      });
      socket.on('secureConnect', () => this.onConnect(connection));
      socket.on('data', (chunk: Buffer) => this.onRead(connection, chunk.length, chunk));
    } else {
      socket = net.connect({
        host: endpoint.address,
        port: endpoint.port,
        noDelay: true,
        onread: {
          buffer: this.readBuffer,
          callback: (n: number) => {
            this.onRead(connection, n, this.readBuffer);
            return true;
          },
        },
      });
      socket.on('connect', () => this.onConnect(connection));
    }
    connection.socket = socket;
    socket.on('error', (error: NodeJS.ErrnoException) => {
      connection.errorCode ??= error.code ?? error.message;
    });
    socket.on('close', () => this.onClose(connection));
  }

  private onConnect(connection: Connection): void {
    if (connection.retired) return;
    connection.everConnected = true;
    const id = connection.id;
    if (this.o.model === 'closed') {
      if (!this.scheduling) {
        this.retire(connection);
        this.maybeFinish();
        return;
      }
      const worker = id % this.o.connections;
      if (this.workerWant[worker] === this.sideOf[id]) {
        this.workerWant[worker] = -1;
        if (this.depth > 1) this.fillPipeline(id, performance.now());
        else this.sendClosed(id, performance.now());
      } else this.state[id] = Slot.Idle;
      return;
    }
    // Open model: the slot was opened for a request (startAt/pathOf already set).
    this.send(id, this.startAt[id]!, this.pathOf[id]!, this.measuredFlag[id] === 1);
  }

  private send(id: number, start: number, path: number, measured: boolean, now = performance.now()): void {
    const connection = this.slots[id]!;
    const request = this.o.sides[this.sideOf[id]!]!.requests[path]!;
    this.state[id] = Slot.Busy;
    this.startAt[id] = start;
    this.sentAt[id] = now;
    this.pathOf[id] = path;
    this.measuredFlag[id] = measured ? 1 : 0;
    connection.parser.expect(request.noBody);
    connection.socket!.write(request.bytes);
    this.stats.sent++;
    if (measured && this.o.model === 'open')
      this.stats.sendLag.recordValue(Math.max(1, Math.round((now - start) * 1000)));
  }

  private onRead(connection: Connection, n: number, buf: Buffer): void {
    if (connection.retired) return;
    if (this.depth > 1) {
      this.readPipelined(connection, n, buf);
      return;
    }
    const id = connection.id;
    if (this.state[id] !== Slot.Busy) {
      this.transportError(connection, 'parse', 'the server sent bytes with no request outstanding');
      return;
    }
    const used = connection.parser.execute(buf, 0, n);
    if (used < 0) {
      this.transportError(connection, 'parse', connection.parseError ?? 'unparseable response');
      return;
    }
    if (!connection.done) return;
    if (used < n) {
      this.transportError(connection, 'parse', 'the server sent more bytes than the response framed');
      return;
    }
    connection.done = false;
    this.completed(connection, connection.doneStatus, connection.doneKeepAlive);
  }

  /** A response finished on `connection`: record it, then reuse, replace or park the connection. */
  private completed(connection: Connection, status: number, keepAlive: boolean): void {
    const id = connection.id;
    const now = performance.now();
    this.inFlight--;
    this.lastCompletion = now;
    if (this.measuredFlag[id] === 1 && (this.o.model === 'open' || now <= this.windowEnd)) {
      this.recorder(id).response(this.pathOf[id]!, status, (now - this.startAt[id]!) * 1000);
    }
    if (!keepAlive) this.retire(connection);
    if (this.o.model === 'closed') {
      if (keepAlive) this.state[id] = Slot.Idle;
      this.continueWorker(id);
      return;
    }
    if (!keepAlive) {
      this.refill(id);
      return;
    }
    const side = this.sideOf[id]!;
    if (this.queues[side]!.length > 0) {
      this.sendQueued(id, side, now);
      return;
    }
    this.state[id] = Slot.Idle;
    this.idle[side]![this.idleCount[side]!++] = id;
    this.maybeFinish();
  }

  /** Open model, slot `id` just became free: requests waiting (for any side) get a new connection. */
  private refill(id: number): void {
    if (this.state[id] === Slot.Empty) {
      for (let side = 0; side < this.sideCount; side++) {
        const queue = this.queues[side]!;
        if (queue.length === 0) continue;
        const start = queue.headStart;
        this.sideOf[id] = side;
        this.pathOf[id] = queue.headPath;
        this.startAt[id] = Math.abs(start);
        this.measuredFlag[id] = start > 0 ? 1 : 0;
        queue.shift();
        this.queued--;
        this.connect(id);
        return;
      }
    }
    this.maybeFinish();
  }

  /** After a failed request or connection: the closed model's worker goes on after a short pause. */
  private afterFailure(id: number): void {
    if (this.o.model === 'open') {
      this.refill(id);
      return;
    }
    setTimeout(() => this.continueWorker(id), RECONNECT_BACKOFF_MS);
  }

  private onClose(connection: Connection): void {
    if (connection.retired) return;
    const id = connection.id;
    const state = this.state[id];
    if (state === Slot.Busy && connection.parser.finish() && connection.done) {
      // A body delimited by the close itself.
      connection.done = false;
      connection.retired = true;
      if (this.depth > 1) {
        this.pipelinedResponse(id, connection.doneStatus, performance.now());
        this.release(connection);
        this.failPipeline(id, 'reset', 'the server closed a pipelined connection', false);
        this.continueWorker(id);
        return;
      }
      this.completed(connection, connection.doneStatus, false);
      return;
    }
    if (state === Slot.Busy || state === Slot.Connecting) {
      const code = connection.errorCode;
      let kind: ErrorKind = 'reset';
      let message = code
        ? `connection error ${code}`
        : 'the server closed the connection before the response completed';
      if (!connection.everConnected) {
        const endpoint = this.o.sides[this.sideOf[id]!]!.endpoint;
        kind = code === 'ECONNREFUSED' ? 'connect-refused' : endpointKind(code, endpoint.tls);
        message = `cannot connect: ${code ?? 'closed'}`;
      }
      const hadRequest = state === Slot.Busy || this.o.model === 'open';
      this.release(connection);
      if (this.depth > 1 && state === Slot.Busy) this.failPipeline(id, kind, message, false);
      else this.failRequest(id, hadRequest, kind, message, false);
      this.afterFailure(id);
      return;
    }
    // An idle keep-alive connection closed by the server: forget it; it is reopened when needed.
    this.release(connection);
    if (this.o.model === 'open') this.refill(id);
  }

  private transportError(connection: Connection, kind: ErrorKind, message: string): void {
    const id = connection.id;
    const state = this.state[id];
    const hadRequest = state === Slot.Busy || (state === Slot.Connecting && this.o.model === 'open');
    const attempted = hadRequest || state === Slot.Connecting;
    this.retire(connection);
    if (!attempted) {
      // Bytes on an idle connection: dropped; nothing was waiting on it.
      if (this.o.model === 'open') this.refill(id);
      return;
    }
    if (this.depth > 1 && state === Slot.Busy) this.failPipeline(id, kind, message, kind === 'timeout');
    else this.failRequest(id, hadRequest, kind, message, kind === 'timeout');
    this.afterFailure(id);
  }

  // ---- pipelining (closed model, one side) -------------------------------------------------------

  /** Tops the connection up to `depth` requests in flight, in one corked write. */
  private fillPipeline(id: number, now: number): void {
    const connection = this.slots[id]!;
    const socket = connection.socket!;
    const requests = this.o.sides[0]!.requests;
    const base = id * this.depth;
    const measured = now >= this.windowStart;
    socket.cork();
    while (this.pCount[id]! < this.depth && this.scheduling) {
      if (measured && this.o.maxRequests !== undefined && this.measuredSent >= this.o.maxRequests) {
        this.capped = true;
        this.scheduling = false;
        break;
      }
      if (measured) this.measuredSent++;
      this.inFlight++;
      const path = this.nextPath();
      const slot = base + ((this.pHead[id]! + this.pCount[id]!) % this.depth);
      this.pStart[slot] = now;
      this.pPath[slot] = path;
      this.pMeasured[slot] = measured ? 1 : 0;
      if (this.pCount[id] === 0) {
        connection.parser.expect(requests[path]!.noBody);
        this.sentAt[id] = now;
      }
      this.pCount[id]!++;
      socket.write(requests[path]!.bytes);
      this.stats.sent++;
    }
    socket.uncork();
    if (this.pCount[id]! > 0) this.state[id] = Slot.Busy;
    else {
      this.state[id] = Slot.Idle;
      this.maybeFinish();
    }
  }

  /** Several responses may arrive in one read: each completes the oldest request in flight. */
  private readPipelined(connection: Connection, n: number, buf: Buffer): void {
    const id = connection.id;
    if (this.state[id] !== Slot.Busy) {
      this.transportError(connection, 'parse', 'the server sent bytes with no request outstanding');
      return;
    }
    let pos = 0;
    while (pos < n) {
      const used = connection.parser.execute(buf, pos, n);
      if (used < 0) {
        this.transportError(connection, 'parse', connection.parseError ?? 'unparseable response');
        return;
      }
      // Wait for the rest of the oldest response; refill what the earlier ones freed.
      if (!connection.done) break;
      connection.done = false;
      const now = performance.now();
      this.pipelinedResponse(id, connection.doneStatus, now);
      if (!connection.doneKeepAlive) {
        this.retire(connection);
        this.failPipeline(id, 'reset', 'the server closed a pipelined connection', false);
        this.continueWorker(id);
        return;
      }
      pos = used;
      if (this.pCount[id]! > 0) {
        const head = id * this.depth + this.pHead[id]!;
        connection.parser.expect(this.o.sides[0]!.requests[this.pPath[head]!]!.noBody);
        this.sentAt[id] = this.pStart[head]!;
      } else if (pos < n) {
        this.transportError(connection, 'parse', 'the server sent more bytes than the responses framed');
        return;
      }
    }
    if (this.scheduling) this.fillPipeline(id, performance.now());
    else if (this.pCount[id] === 0) {
      this.state[id] = Slot.Idle;
      this.maybeFinish();
    }
  }

  /** Records the oldest in-flight request of slot `id` as answered and drops it from the ring. */
  private pipelinedResponse(id: number, status: number, now: number): void {
    const head = id * this.depth + this.pHead[id]!;
    this.pHead[id] = (this.pHead[id]! + 1) % this.depth;
    this.pCount[id]!--;
    this.inFlight--;
    this.lastCompletion = now;
    if (this.pMeasured[head] === 1 && now <= this.windowEnd) {
      this.o.sides[0]!.recorder.response(this.pPath[head]!, status, (now - this.pStart[head]!) * 1000);
    }
  }

  /** Every request still in flight on slot `id` failed with the connection. */
  private failPipeline(id: number, kind: ErrorKind, message: string, timed: boolean): void {
    const now = performance.now();
    this.lastCompletion = now;
    const recorder = this.o.sides[0]!.recorder;
    while (this.pCount[id]! > 0) {
      const head = id * this.depth + this.pHead[id]!;
      this.pHead[id] = (this.pHead[id]! + 1) % this.depth;
      this.pCount[id]!--;
      this.inFlight--;
      if (this.pMeasured[head] === 1 && (now <= this.windowEnd || kind === 'timeout')) {
        recorder.failure(
          this.pPath[head]!,
          kind,
          message,
          timed ? (now - this.pStart[head]!) * 1000 : undefined,
        );
      }
    }
    this.pHead[id] = 0;
  }

  /**
   * A request failed, or (closed model) a connection failed before it could carry one: that still
   * counts as a failed attempt when it happens inside the measured window.
   */
  private failRequest(
    id: number,
    hadRequest: boolean,
    kind: ErrorKind,
    message: string,
    timed: boolean,
  ): void {
    const now = performance.now();
    this.lastCompletion = now;
    if (!hadRequest) {
      if (now >= this.windowStart && now <= this.windowEnd)
        this.recorder(id).failure(this.pathOf[id]!, kind, message);
      return;
    }
    this.inFlight--;
    if (
      this.measuredFlag[id] === 1 &&
      (this.o.model === 'open' || now <= this.windowEnd || kind === 'timeout')
    ) {
      const micros = timed ? (now - this.startAt[id]!) * 1000 : undefined;
      this.recorder(id).failure(this.pathOf[id]!, kind, message, micros);
    }
  }

  /** Closes the connection on purpose and frees its slot. */
  private retire(connection: Connection): void {
    connection.retired = true;
    connection.socket?.destroy();
    this.release(connection);
  }

  private release(connection: Connection): void {
    const id = connection.id;
    if (this.slots[id] !== connection) return;
    if (this.state[id] === Slot.Idle && this.o.model === 'open') this.removeIdle(id);
    this.slots[id] = undefined;
    this.state[id] = Slot.Empty;
    this.open--;
  }

  private removeIdle(id: number): void {
    const side = this.sideOf[id]!;
    const idle = this.idle[side]!;
    for (let i = 0; i < this.idleCount[side]!; i++) {
      if (idle[i] === id) {
        idle[i] = idle[--this.idleCount[side]!]!;
        return;
      }
    }
  }

  /** Per-request timeouts by sweeping the slots: no timer per request. */
  private sweep(): void {
    const now = performance.now();
    const limit = this.o.timeoutMs;
    for (let id = 0; id < this.slots.length; id++) {
      const state = this.state[id];
      if ((state === Slot.Busy || state === Slot.Connecting) && now - this.sentAt[id]! > limit) {
        const connection = this.slots[id]!;
        const what = state === Slot.Busy ? 'no complete response' : 'no connection';
        this.transportError(connection, 'timeout', `${what} within ${limit} ms`);
      }
    }
    if (this.o.model === 'open' && !this.scheduling && now > this.drainDeadline) this.abandonRemaining();
  }

  // ---- ending ----------------------------------------------------------------------------------

  private endClosed(): void {
    this.endTimer = undefined;
    this.scheduling = false;
    this.finish();
  }

  private maybeFinish(): void {
    if (this.finished || this.scheduling) return;
    if (this.inFlight === 0 && this.queued === 0) this.finish();
  }

  /** Open model past the drain deadline: what is still waiting has timed out. */
  private abandonRemaining(): void {
    for (let side = 0; side < this.sideCount; side++) {
      const queue = this.queues[side]!;
      while (queue.length > 0) {
        const start = queue.headStart;
        const path = queue.headPath;
        queue.shift();
        this.queued--;
        this.inFlight--;
        if (start > 0) {
          const message = `not sent within ${this.o.timeoutMs} ms of the end`;
          this.o.sides[side]!.recorder.failure(path, 'timeout', message, (performance.now() - start) * 1000);
        }
      }
    }
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.scheduling = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.endTimer) clearTimeout(this.endTimer);
    if (this.sweeper) clearInterval(this.sweeper);
    this.o.signal?.removeEventListener('abort', this.onAbort);
    const now = performance.now();
    for (let id = 0; id < this.slots.length; id++) {
      const connection = this.slots[id];
      if (!connection) continue;
      if (this.o.model === 'open' && this.state[id] === Slot.Busy && this.measuredFlag[id] === 1) {
        const micros = (now - this.startAt[id]!) * 1000;
        this.recorder(id).failure(this.pathOf[id]!, 'timeout', 'no response by the end of the run', micros);
      }
      this.retire(connection);
    }
    if (this.capped) this.stats.measuredEnd = Math.max(this.lastCompletion, this.windowStart);
    else if (this.o.model === 'open') this.stats.measuredEnd = this.windowEnd;
    else this.stats.measuredEnd = Math.min(this.windowEnd, now);
    this.resolve(this.stats);
  }
}

function endpointKind(code: string | undefined, isTls: boolean): ErrorKind {
  if (isTls && code && /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code)) {
    return 'tls';
  }
  return 'connect';
}
