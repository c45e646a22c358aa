// JSON Schema (2020-12) validation for the documents Warden shares: input, decision, config, fixtures.
// Each schema compiles once, on first use; every check afterwards runs the compiled function.
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import configSchema from '../../schemas/config.schema.json' with { type: 'json' }
import decisionSchema from '../../schemas/decision.schema.json' with { type: 'json' }
import diffAcknowledgedSchema from '../../schemas/diff-acknowledged.schema.json' with { type: 'json' }
import fixturesSchema from '../../schemas/fixtures.schema.json' with { type: 'json' }
import inputSchema from '../../schemas/input.schema.json' with { type: 'json' }
import { type SchemaIssue, toIssues } from './issues.ts'

export type { SchemaIssue } from './issues.ts'
export type SchemaName = 'input' | 'input-context' | 'decision' | 'config' | 'fixtures' | 'diff-acknowledged'

export class SchemaError extends Error {
  readonly code = 'schema.invalid'
  readonly issues: SchemaIssue[]
  constructor(what: string, issues: SchemaIssue[], options?: { cause?: unknown }) {
    const lines = issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`)
    super(`${what} is invalid (${issues.length} ${issues.length === 1 ? 'issue' : 'issues'}):\n${lines.join('\n')}`, options)
    this.name = 'SchemaError'
    this.issues = issues
  }
}

export interface Validator<T> {
  check(value: unknown): value is T
  /** Returns the value, or throws SchemaError listing every issue; `what` names the document ("decision"). */
  assert(value: unknown, what: string): T
  issues(value: unknown): SchemaIssue[]
}

/**
 * The input schema with `command` and `risk` accepted as they are: for a document whose command and risk (one
 * immutable normalized object) already passed the input schema. The root, identity, session and target are
 * checked exactly as the input schema checks them, with the same paths and messages.
 */
const inputContextSchema = {
  ...inputSchema,
  $id: 'https://warden.dev/schemas/input-context.schema.json',
  properties: { ...inputSchema.properties, command: true, risk: true },
}

const schemas: Record<SchemaName, object> = {
  input: inputSchema,
  'input-context': inputContextSchema,
  decision: decisionSchema,
  config: configSchema,
  fixtures: fixturesSchema,
  'diff-acknowledged': diffAcknowledgedSchema,
}

// ajv-formats is CommonJS: under NodeNext its default import is the module object's `default` at type level
// but the function itself at run time.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default

let ajv: Ajv2020 | undefined
const compiled = new Map<SchemaName, ValidateFunction>()

function instance(): Ajv2020 {
  if (ajv) return ajv
  // allErrors: report every issue at once; verbose: keep data and parent schema for the messages;
  // useDefaults: fill in the config schema's defaults (the other schemas declare none).
  // strict: schema mistakes throw at compile time (tests catch them) instead of being logged — logger: false,
  // the engine never writes to the console. strictTypes is off because the input schema's `allOf` items
  // declare `required` without repeating `type`.
  ajv = new Ajv2020({
    allErrors: true, verbose: true, useDefaults: true, logger: false,
    strict: true, strictTuples: true, strictTypes: false, strictRequired: false,
  })
  addFormats(ajv)
  return ajv
}

function compile(name: SchemaName): ValidateFunction {
  let fn = compiled.get(name)
  if (fn) return fn
  fn = instance().compile(schemas[name])
  compiled.set(name, fn)
  return fn
}

/** A validator for one of the shared schemas, compiled on first use. Validating a config fills in its defaults
 * in place (parseConfig validates a copy). */
export function validator<T>(name: SchemaName): Validator<T> {
  const issues = (value: unknown): SchemaIssue[] => {
    const fn = compile(name)
    return fn(value) ? [] : toIssues(fn.errors, value)
  }
  return {
    check: (value: unknown): value is T => compile(name)(value),
    assert(value: unknown, what: string): T {
      const found = issues(value)
      if (found.length) throw new SchemaError(what, found)
      return value as T
    },
    issues,
  }
}
