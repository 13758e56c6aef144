/** Questions on a terminal; never asked when stdin is not a TTY or `--yes` was given. */
import { createInterface } from 'node:readline/promises';

export interface Prompter {
  ask(question: string, fallback: string): Promise<string>;
  confirm(question: string): Promise<boolean>;
}

export const defaultsOnly: Prompter = {
  ask: async (_question, fallback) => fallback,
  confirm: async () => false,
};

export function terminalPrompter(): Prompter {
  return {
    async ask(question, fallback) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = (await rl.question(`${question} [${fallback}]: `)).trim();
        return answer || fallback;
      } finally {
        rl.close();
      }
    },
    async confirm(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N]: `)).trim());
      } finally {
        rl.close();
      }
    },
  };
}
