/**
 * Flag parsing on top of node:util parseArgs: strict (unknown flags are usage errors with the
 * command's usage line), repeated flags collected, and every error a UsageError (exit 2).
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

export function parseFlags<T extends FlagSpec>(args: string[], spec: T, usage: string) {
  try {
    return parseArgs({ args, options: spec, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!, `usage: ${usage}`);
  }
}
