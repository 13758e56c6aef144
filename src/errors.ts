/**
 * The one error policy. Every failure that leaves the process is one of these, so the entry points
 * can map it to an exit code and a single line that says what failed and how to fix it.
 */
export const ExitCode = {
  ok: 0,
  gateFailed: 1,
  usage: 2,
  unreachable: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class OrchestraError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** One line: what failed, then how to fix it. */
  oneLine(): string {
    return this.hint ? `${this.message}. Fix: ${this.hint}` : this.message;
  }
}

export interface ConfigIssue {
  /** `smoke.duration`, or the input/flag that supplied the value. */
  field: string;
  message: string;
}

/** Usage or configuration error (exit 2): found before any work starts. */
export class ConfigError extends OrchestraError {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join('\n'), ExitCode.usage);
  }

  override oneLine(): string {
    return this.issues.map((issue) => `config error: ${issue.field}: ${issue.message}`).join('\n');
  }
}

export class UsageError extends OrchestraError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
  }
}

/** The target or a required service cannot be reached (exit 3). */
export class UnreachableError extends OrchestraError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.unreachable, hint, options);
  }
}

/** A threshold or regression gate failed (exit 1). */
export class GateError extends OrchestraError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.gateFailed, hint);
  }
}

/** A stage failed; wraps the cause with the stage's name. */
export class StageError extends OrchestraError {
  constructor(
    readonly stage: string,
    cause: unknown,
  ) {
    const inner = cause instanceof OrchestraError ? cause : undefined;
    super(`${stage} stage failed: ${describe(cause)}`, inner?.exitCode ?? ExitCode.gateFailed, inner?.hint, {
      cause,
    });
  }
}

/** A message for anything thrown, Error or not. */
export function describe(error: unknown): string {
  if (error instanceof OrchestraError) return error.message;
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

export function toOrchestraError(error: unknown): OrchestraError {
  if (error instanceof OrchestraError) return error;
  return new OrchestraError(describe(error), ExitCode.gateFailed, undefined, { cause: error });
}
