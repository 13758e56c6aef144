/**
 * One logger for every stage. In Actions it maps to @actions/core (groups, annotations, masking);
 * on a terminal it prints plain lines; in tests the NullLogger swallows everything.
 */
export interface Logger {
  info(message: string): void;
  debug(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  notice(message: string): void;
  /** Registers a secret so that it never appears in any later log line. */
  mask(secret: string): void;
  group<T>(name: string, body: () => Promise<T>): Promise<T>;
}

export class NullLogger implements Logger {
  info(): void {}
  debug(): void {}
  warning(): void {}
  error(): void {}
  notice(): void {}
  mask(): void {}
  async group<T>(_name: string, body: () => Promise<T>): Promise<T> {
    return body();
  }
}

/** For the CLI: plain lines on stderr/stdout, secrets replaced by ***. */
export class ConsoleLogger implements Logger {
  private readonly secrets = new Set<string>();
  constructor(
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    private readonly verbose = process.env.ORCHESTRA_PERF_DEBUG === '1',
  ) {}

  info(message: string): void {
    this.write(this.redact(message));
  }
  debug(message: string): void {
    if (this.verbose) this.write(this.redact(`debug: ${message}`));
  }
  warning(message: string): void {
    this.write(this.redact(`warning: ${message}`));
  }
  error(message: string): void {
    this.write(this.redact(`error: ${message}`));
  }
  notice(message: string): void {
    this.write(this.redact(`notice: ${message}`));
  }
  mask(secret: string): void {
    if (secret.length >= 4) this.secrets.add(secret);
  }
  async group<T>(name: string, body: () => Promise<T>): Promise<T> {
    this.write(`▶ ${name}`);
    return body();
  }
  private redact(message: string): string {
    let out = message;
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out;
  }
}
