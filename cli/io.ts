// What every CLI command gets instead of touching process directly; only cli/main.ts calls process.exit.
import { CodedError } from '../engine/errors.ts'

export type ExitCode = 0 | 1 | 2

export interface Io {
  out(text: string): void
  err(text: string): void
  cwd: string
  env: Record<string, string | undefined>
  /** stderr is a terminal: commands may draw progress there. */
  tty?: boolean
}

/** A usage or configuration problem: the command prints the message and exits 2. */
export class UsageError extends CodedError<string> {}

export function processIo(): Io {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    tty: process.stderr.isTTY === true,
  }
}

/** Collects output in memory, for tests. */
export function memoryIo(env: Record<string, string | undefined> = {}, cwd = process.cwd()): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    cwd,
    env,
    out(text: string) { io.stdout += text },
    err(text: string) { io.stderr += text },
  }
  return io
}
