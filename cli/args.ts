// Flag parsing shared by the commands: node:util parseArgs, with its errors turned into usage errors.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './io.ts'

export type Options = NonNullable<ParseArgsConfig['options']>

export function parseFlags<T extends Options>(args: string[], options: T, usage: string, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true })
  } catch (err) {
    throw new UsageError('usage.invalid', `${(err as Error).message}\n\n${usage}`, { cause: err })
  }
}

/** Runs a command body, mapping usage/config errors to exit 2 with the message on stderr. */
export async function withUsage(io: { err(text: string): void }, body: () => Promise<0 | 1 | 2>): Promise<0 | 1 | 2> {
  try {
    return await body()
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (err instanceof UsageError || (typeof code === 'string' && /^(config|usage|fixture|token|schema)\./.test(code))) {
      io.err(`${(err as Error).message}\n`)
      return 2
    }
    throw err
  }
}
