// The rows of one statement's results on their way to the client: each result's mask plan (from the outputs of
// the statement it belongs to, result-statement.ts), every DataRow masked before it is written, a masking failure
// turned into one XX000 error with the rest withheld, and CommandComplete bookkeeping (row counts, session
// effects).
import { pgErrors } from './errors.ts'
import type { Frame } from './framing.ts'
import { MaskingError } from './masker.ts'
import { decodeCommandComplete, rowCountOf } from './messages/command-complete.ts'
import { encodeErrorResponse } from './messages/error-response.ts'
import type { FieldDescription } from './messages/row-description.ts'
import type { StatementRun } from './pending.ts'
import type { RelayHooks } from './relay.ts'
import { resultOutputs } from './result-statement.ts'

export class ResultRelay {
  constructor(private readonly hooks: RelayHooks, private readonly encoding: () => 'utf8' | 'latin1') {}

  private forward(f: Frame): void {
    this.hooks.client.write(f.raw)
  }

  /** A RowDescription: plan the masks of the result it starts (asynchronously only on a catalog miss). */
  startResult(run: StatementRun, fields: FieldDescription[]): Promise<void> | void {
    run.result = undefined
    if (!run.masks.length || run.maskFailed) return
    let planned
    try {
      planned = this.hooks.masker.plan(fields, run.masks, resultOutputs(run.verdict.judgement, run.completed, run.cursor, run.resultIndex))
    } catch (err) {
      return this.maskFailure(run, err)
    }
    if (!(planned instanceof Promise)) {
      run.result = planned
      return
    }
    return planned.then(
      (plan) => {
        run.result = plan
      },
      (err: unknown) => this.maskFailure(run, err),
    )
  }

  row(run: StatementRun | undefined, f: Frame): void {
    if (!run) return this.forward(f)
    if (run.maskFailed) return
    run.rows++
    if (!run.result) return this.forward(f)
    try {
      const { frame, masked } = this.hooks.masker.row(f.payload, run.result, this.encoding())
      run.masked += masked
      this.hooks.client.write(frame ?? f.raw)
    } catch (err) {
      this.maskFailure(run, err)
    }
  }

  /** From here on this statement's output is withheld; the client gets one error instead. */
  maskFailure(run: StatementRun, err: unknown): void {
    if (run.maskFailed) return
    run.maskFailed = true
    run.result = undefined
    run.error = 'XX000'
    const why = err instanceof Error ? err.message : String(err)
    this.hooks.client.write(encodeErrorResponse(pgErrors.maskingFailed(why).fields))
  }

  /** COPY TO STDOUT data is not masked (its rows are not DataRows with a RowDescription): whenever masks apply,
   * the COPY fails closed. */
  copyOut(run: StatementRun | undefined, f: Frame): void {
    if (run?.masks.length) this.maskFailure(run, new MaskingError('COPY output cannot be masked'))
    if (!run?.maskFailed) this.forward(f)
  }

  /** `done` runs before the tag is forwarded, so the statement is audited before the client sees it complete. */
  commandComplete(run: StatementRun | undefined, f: Frame, done?: () => void): void {
    if (!run) return this.forward(f)
    const tag = decodeCommandComplete(f.payload)
    const index = run.completed++
    run.result = undefined
    if (run.rows === 0) run.rows = /^(SELECT|FETCH|COPY) /.test(tag) ? 0 : rowCountOf(tag) ?? 0
    this.hooks.statementCompleted(run, index, tag)
    done?.()
    if (!run.maskFailed) this.forward(f)
  }
}
