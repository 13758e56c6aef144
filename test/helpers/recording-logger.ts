/** A Logger for tests that keeps every line as `level: message` (debug and masks dropped). */
import type { Logger } from '../../src/logger.js';

export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(`info: ${message}`);
  }
  warning(message: string): void {
    this.lines.push(`warning: ${message}`);
  }
  notice(message: string): void {
    this.lines.push(`notice: ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error: ${message}`);
  }
  debug(): void {}
  mask(): void {}
  async group<T>(_name: string, body: () => Promise<T>): Promise<T> {
    return body();
  }
}
