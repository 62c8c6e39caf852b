/**
 * The port: what the check workflow needs from a liveness provider. Adapters provide it
 * (`@liveness/unico-http` over HTTP, `@liveness/fake` in memory) and translate every failure into a
 * `LivenessError` through the code catalogue (UnicoCodes), so the workflow never sees HTTP.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { CheckInput } from "./CheckInput.js"
import * as Deadline from "./Deadline.js"
import { type LivenessError, ProviderUnavailable } from "./LivenessError.js"
import type { LivenessProcess, ProcessId } from "./LivenessProcess.js"

export declare namespace LivenessProvider {
  export interface Service {
    /** One attempt at `POST /processes/v1`. No retry here: the workflow owns the retry policy. */
    readonly createProcess: (request: CheckInput) => Effect.Effect<LivenessProcess, LivenessError>
    /** One attempt at `GET /processes/v1/{id}`. */
    readonly getProcess: (id: ProcessId) => Effect.Effect<LivenessProcess, LivenessError>
    /**
     * Optional work each attempt needs before its request can leave, that is no request to the processes API
     * (the HTTP adapter: a valid access token, minted if need be). The workflow runs it before it waits for a
     * quota permit, so the permit is taken right before the request is sent: a token minted inside the permit
     * would delay that request and bunch it with the next ones, drawing 429s at exactly the tenant's rate.
     */
    readonly prepare?: Effect.Effect<void, LivenessError>
    /**
     * The account captures are submitted to (environment and tenant; no secret), so the capture ledger tells a
     * capture sent to one tenant from the same payload sent to another. Default: one account.
     */
    readonly scope?: string
  }
}

export class LivenessProvider extends Context.Tag("@liveness/core/LivenessProvider")<
  LivenessProvider,
  LivenessProvider.Service
>() {}

/** How long one provider request waits for its answer unless configured: Unico answers in seconds. */
export const DEFAULT_ATTEMPT_TIMEOUT = Duration.seconds(15)

/**
 * One request's wait for its answer, the same in every adapter (the fake mirrors HTTP): past `timeout` the request
 * is given up as a transient `ProviderUnavailable`, which may have been processed when it was sent
 * (`mayHaveBeenProcessed`: a request to the processes API; a token request processes nothing).
 */
export const attemptTimeout = (timeout: Duration.Duration, mayHaveBeenProcessed: boolean) =>
  Deadline.timeoutFail({
    duration: timeout,
    onTimeout: () =>
      new ProviderUnavailable({
        mayHaveBeenProcessed,
        transient: true,
        detail: `no answer within ${Duration.toSeconds(timeout)} s`
      })
  })
