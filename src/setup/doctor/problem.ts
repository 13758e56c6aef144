/** One thing `orchestra-perf doctor` found wrong, with where it is and how to fix it. */
export interface Problem {
  /** Which check found it: `workflow:<rule>`, `config`, `dockerignore`. */
  check: string;
  /** Path relative to the repository root. */
  file: string;
  line?: number;
  /** The job, for workflow findings. */
  job?: string;
  message: string;
  fix: string;
}

export interface DoctorReport {
  /** What was looked at, relative to the root, for the "checked" line and JSON consumers. */
  checked: string[];
  problems: Problem[];
}
