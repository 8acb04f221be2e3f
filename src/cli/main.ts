#!/usr/bin/env node
/**
 * `keepfs` entry point. Each subcommand lives in `commands/<name>.ts` and exports
 * `register(program)`; adding a command means adding its file to COMMANDS.
 */
import { Command, CommanderError } from 'commander';
import { isKeepError } from '../errors.js';

const COMMANDS = ['manifest', 'keepstore', 'serve'] as const;

export interface CliCommandModule {
  register(program: Command): void;
}

/** Print a one-line error (never a stack trace for bad input) and pick the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`keepfs: ${msg}\n`);
  if (!isKeepError(err) && process.env.KEEPFS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('keepfs').description('Content-addressed collections, compatible with Arvados Keep').exitOverride();
  for (const name of COMMANDS) {
    const mod = (await import(`./commands/${name}.js`)) as CliCommandModule;
    mod.register(program);
  }
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError(err);
  },
);
