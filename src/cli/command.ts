import type { ParseArgsConfig } from 'node:util';

/** Exit codes of every `zhuli` command. */
export const EXIT = { OK: 0, USER_ERRORS: 1, USAGE: 2, NETWORK: 3 } as const;

/** Where a command writes and which environment it reads (injectable for tests). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

/** Wrong arguments (exit code 2). */
export class UsageError extends Error {}

/** One `zhuli` command: its help, its options and what it does. */
export interface Command {
  summary: string;
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Whether it takes positional arguments. */
  positionals?: boolean;
  run(args: { values: Record<string, any>; positionals: string[] }, io: Io): Promise<number>;
}
