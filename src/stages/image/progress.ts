/**
 * Reads `docker buildx build --progress=plain` output: which Dockerfile steps ran and which were
 * served from cache, and which step failed. Pure text in, values out.
 *
 * Plain progress prints one block per vertex, `#N <name>` then `#N CACHED`, `#N DONE 0.1s` or
 * `#N ERROR: <message>`; Dockerfile steps are named `[stage i/n] INSTRUCTION ...`.
 */
export interface BuildSteps {
  /** Dockerfile instruction steps, FROM excluded (a base image is always "cached"). */
  totalSteps: number;
  cachedSteps: number;
  steps: Array<{ name: string; cached: boolean }>;
}

export interface BuildFailure {
  /** The vertex that failed: `[2/3] COPY missing.txt /m`, `pushing 127.0.0.1:5000/x with docker`. */
  step: string | undefined;
  /** That vertex's error line, else the final `ERROR:` line. */
  message: string;
  /** The vertex was a Dockerfile step (vs. internal work such as pushing or exporting). */
  dockerfileStep: boolean;
}

interface Vertex {
  name: string;
  cached: boolean;
  error: string | undefined;
}

const VERTEX_LINE = /^#(\d+) (.*)$/;
/** `[2/3] COPY`, `[base 2/3] COPY`, `[linux/arm64 2/3] COPY`, `[base linux/arm64 2/3] COPY`. */
const STEP_NAME = /^\[(?:[^\]]+ )?\d+\/\d+\] (\S+)/;

function vertices(output: string): Map<string, Vertex> {
  const byId = new Map<string, Vertex>();
  for (const raw of output.split(/\r?\n/)) {
    const match = VERTEX_LINE.exec(raw.trimEnd());
    if (!match) continue;
    const [, id, rest] = match as unknown as [string, string, string];
    const vertex = byId.get(id);
    if (!vertex) {
      byId.set(id, { name: rest, cached: false, error: undefined });
    } else if (rest === 'CACHED') {
      vertex.cached = true;
    } else if (rest.startsWith('ERROR:') || rest === 'ERROR') {
      vertex.error = rest.replace(/^ERROR:?\s*/, '');
    }
  }
  return byId;
}

export function parseBuildSteps(output: string): BuildSteps {
  const steps: BuildSteps['steps'] = [];
  const seen = new Set<string>();
  for (const vertex of vertices(output).values()) {
    const instruction = STEP_NAME.exec(vertex.name)?.[1];
    if (!instruction || instruction.toUpperCase() === 'FROM') continue;
    // Multi-platform builds repeat each step per platform; count a step once per name.
    if (seen.has(vertex.name)) {
      const earlier = steps.find((step) => step.name === vertex.name);
      if (earlier && !vertex.cached) earlier.cached = false;
      continue;
    }
    seen.add(vertex.name);
    steps.push({ name: vertex.name, cached: vertex.cached });
  }
  return { totalSteps: steps.length, cachedSteps: steps.filter((step) => step.cached).length, steps };
}

export function parseBuildFailure(output: string): BuildFailure {
  const lines = output.split(/\r?\n/);
  const finalError = [...lines].reverse().find((line) => line.startsWith('ERROR:'));
  // A failed cache import is only a warning in BuildKit; it is never the cause.
  const failed = [...vertices(output).values()].filter(
    (vertex) => vertex.error !== undefined && !vertex.name.startsWith('importing cache'),
  );
  const vertex = failed[failed.length - 1];
  const message = (
    vertex?.error ||
    finalError?.replace(/^ERROR:\s*/, '') ||
    lastNonEmpty(lines) ||
    'docker buildx build failed'
  ).trim();
  return { step: vertex?.name, message, dockerfileStep: vertex ? STEP_NAME.test(vertex.name) : false };
}

function lastNonEmpty(lines: string[]): string | undefined {
  return [...lines].reverse().find((line) => line.trim() !== '');
}
