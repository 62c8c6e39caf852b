/**
 * A Unico process as the API returns it: `{ id, status, liveness? }`. Unknown `status` and `liveness`
 * values are kept as numbers (Unico treats enums as evolvable); Verdict maps them to `unexpected`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

export const ProcessId = Schema.NonEmptyTrimmedString.pipe(Schema.brand("ProcessId"))
export type ProcessId = typeof ProcessId.Type

/** Documented process statuses. */
export const Status = {
  processing: 1,
  divergence: 2,
  finished: 3,
  canceled: 4,
  processingError: 5
} as const

/** Documented liveness results (meaningful only with status 3). */
export const LivenessResult = {
  live: 1,
  notLive: 2
} as const

export const isKnownStatus = (status: number): boolean => status >= 1 && status <= 5

export const isKnownLiveness = (liveness: number): boolean => liveness === 1 || liveness === 2

// The descriptions are the fields' (not the schemas'): `Int` is one shared JSON Schema definition.
export class LivenessProcess extends Schema.Class<LivenessProcess>("LivenessProcess")({
  id: Schema.propertySignature(ProcessId).annotations({ description: "The process id (a UUID at Unico)." }),
  status: Schema.propertySignature(Schema.Int).annotations({
    description: "1 processing, 2 divergence, 3 finished, 4 canceled, 5 processing error."
  }),
  liveness: Schema.optionalWith(Schema.Int, { exact: true }).annotations({
    description: "With status 3: 1 live, 2 not live."
  })
}) {}

/** Decodes the provider's JSON body; extra fields (other capabilities' results) are ignored. */
export const decode = Schema.decodeUnknown(LivenessProcess)
