/**
 * Where measured outcomes go: one HdrHistogram overall and one per path (microseconds), status
 * code counts and errors by kind. Fixed-size state only, so memory stays flat however long the
 * run: no per-request arrays.
 */
import { createHistogram, type Histogram } from '../stats/hdr.js';

/** Why a request failed. `http-status` is a response outside 2xx/3xx. */
export const ERROR_KINDS = [
  'connect-refused',
  'connect',
  'tls',
  'reset',
  'timeout',
  'http-status',
  'parse',
  'dropped',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export class Recorder {
  readonly histogram: Histogram = createHistogram();
  readonly pathHistograms: Histogram[];
  readonly pathRequests: Float64Array;
  readonly pathErrors: Float64Array;
  /** Index = status code (100..599). */
  readonly statusCounts = new Float64Array(600);
  readonly errorsByKind = new Map<ErrorKind, number>();
  /** The first message seen per kind, to say what went wrong in one line. */
  readonly errorSamples = new Map<ErrorKind, string>();
  requests = 0;
  errors = 0;
  private readonly single: boolean;

  constructor(readonly paths: readonly string[]) {
    // One path: its histogram is the overall one (recorded once, not twice).
    this.pathHistograms = paths.length === 1 ? [this.histogram] : paths.map(() => createHistogram());
    this.single = paths.length === 1;
    this.pathRequests = new Float64Array(paths.length);
    this.pathErrors = new Float64Array(paths.length);
  }

  /** A response arrived; statuses >= 400 also count as `http-status` errors. */
  response(path: number, status: number, micros: number): void {
    const value = micros < 1 ? 1 : Math.round(micros);
    this.histogram.recordValue(value);
    if (!this.single) this.pathHistograms[path]!.recordValue(value);
    this.requests++;
    this.pathRequests[path]!++;
    this.statusCounts[status]!++;
    if (status >= 400) this.countError(path, 'http-status', `HTTP ${status}`);
  }

  /**
   * A request failed without a response. Timeouts also enter the histogram at the time waited, so
   * a server that stops answering shows in the percentiles rather than vanishing from them.
   */
  failure(path: number, kind: ErrorKind, message: string, micros?: number): void {
    this.requests++;
    this.pathRequests[path]!++;
    if (micros !== undefined) {
      const value = micros < 1 ? 1 : Math.round(micros);
      this.histogram.recordValue(value);
      if (!this.single) this.pathHistograms[path]!.recordValue(value);
    }
    this.countError(path, kind, message);
  }

  statusCodes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let code = 100; code < 600; code++)
      if (this.statusCounts[code]! > 0) out[String(code)] = this.statusCounts[code]!;
    return out;
  }

  errorKinds(): Record<string, number> {
    return Object.fromEntries(this.errorsByKind);
  }

  private countError(path: number, kind: ErrorKind, message: string): void {
    this.errors++;
    this.pathErrors[path]!++;
    this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + 1);
    if (!this.errorSamples.has(kind)) this.errorSamples.set(kind, message);
  }
}
