/**
 * The input of one liveness check, as a caller sends it (Unico's request body): the selfie payload, and
 * optionally the subject and the branch (`subsidiaryId`).
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as messages from "./internal/messages.js"
import { InvalidRequest } from "./LivenessError.js"
import * as SelfiePayload from "./SelfiePayload.js"
import { Subject } from "./Subject.js"

const Payload = messages.string("a string (the SDK's encrypted payload or a base64 image)").pipe(
  Schema.filter(
    (value) => Either.match(SelfiePayload.classify(value), { onLeft: (reason) => reason, onRight: () => true }),
    {
      identifier: "SelfiePayload",
      description: "The SDK's encrypted payload (a compact JWT, single use, valid 10 minutes) or a base64 JPEG, PNG " +
        "or WebP of at most 800 KB and at least 640x480. Never logged. The schema says a non-empty string only: " +
        "a string of neither kind is refused too.",
      jsonSchema: { minLength: 1 }
    }
  )
)

/**
 * The selfie payload: an SDK payload or a plain image (see SelfiePayload), held as a secret. It is checked once,
 * as it comes in (and again when encoded): `Schema.Redacted(Payload)` would check the wrapped value a second time
 * on decode, a second pass over a payload of up to megabytes.
 */
export const ImageBase64 = Schema.transform(Payload, Schema.RedactedFromSelf(Schema.String), {
  strict: true,
  decode: (value) => Redacted.make(value),
  encode: (redacted) => Redacted.value(redacted)
})

/** A branch id. The message overrides Schema's "Expected string, actual …", which would echo what was sent. */
export const SubsidiaryId = Schema.UUID.annotations({
  message: () => ({ message: "must be a UUID", override: true }),
  description: "The branch; needed only when the service account has several."
})

export const CheckInput = Schema.Struct({
  imageBase64: ImageBase64,
  subject: Schema.optionalWith(Subject, { exact: true }),
  subsidiaryId: Schema.optionalWith(SubsidiaryId, { exact: true })
}).annotations({ identifier: "CheckInput" })

/** A validated check input: the payload is `Redacted` and already known to be one of the accepted kinds. */
export type CheckInput = typeof CheckInput.Type

/** The wire shape (Unico's JSON body). */
export type CheckInputEncoded = typeof CheckInput.Encoded

const decode = Schema.decodeUnknownEither(CheckInput)

const toFieldIssues = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    field: issue.path.length === 0 ? "body" : issue.path.join("."),
    message: issue.path.length === 0 && issue._tag === "Type" ? "must be a JSON object" : issue.message
  }))

/**
 * Validates unknown input (a parsed JSON body, CLI flags, or an already validated `CheckInput`) and
 * reports every problem at once, each with its field.
 */
export const validate = (input: unknown): Effect.Effect<CheckInput, InvalidRequest> => validateEither(input)

/** `validate`, synchronously (an `Either` is also an `Effect`: one step where a check needs it). */
export const validateEither = (input: unknown): Either.Either<CheckInput, InvalidRequest> => {
  // A CheckInput that has already been validated carries a Redacted payload: validate what it wraps.
  const raw = isValidated(input) ? { ...input, imageBase64: Redacted.value(input.imageBase64) } : input
  return Either.mapLeft(decode(raw, { errors: "all" }), (error) => new InvalidRequest({ errors: toFieldIssues(error) }))
}

const isValidated = (input: unknown): input is CheckInput =>
  typeof input === "object" && input !== null && "imageBase64" in input && Redacted.isRedacted(input.imageBase64)
