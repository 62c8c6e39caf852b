/**
 * Reads a capture from a file: an SDK payload (the `encrypted` text from Unico's capture SDK) is sent
 * as it is; an image (JPEG, PNG or WebP bytes) is base64-encoded; a file that already holds base64 text is
 * sent as it is. The core validates the result like any other input.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { SelfiePayload } from "@liveness/core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

export class CaptureFileError
  extends Data.TaggedError("CaptureFileError")<{ readonly path: string; readonly reason: string }>
{
  override get message() {
    return `Cannot use ${this.path}: ${this.reason}`
  }
}

const REASONS: Partial<Record<string, string>> = {
  NotFound: "no such file",
  PermissionDenied: "permission denied",
  BadResource: "not a regular file"
}

/** The `imageBase64` value for the capture stored at `path`. */
export const read = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* fs.readFile(path).pipe(
      Effect.mapError((error) =>
        new CaptureFileError({
          path,
          reason: error._tag === "SystemError" ? REASONS[error.reason] ?? error.reason : error.message
        })
      )
    )
    if (bytes.length === 0) return yield* new CaptureFileError({ path, reason: "the file is empty" })
    if (SelfiePayload.formatOf(bytes) !== undefined) return Buffer.from(bytes).toString("base64")
    return Buffer.from(bytes).toString("utf8").trim()
  })
