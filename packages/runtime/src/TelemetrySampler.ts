/**
 * OpenTelemetry's standard samplers (`OTEL_TRACES_SAMPLER`) over an Effect tracer. `@effect/opentelemetry`'s OTLP
 * tracer exports every span it makes; `wrap` decides first, and an unsampled span is a local one that carries the
 * trace id (logs and children keep it) and is never exported. The decision is taken where a trace enters the process
 * (a root, or a span under a caller's `traceparent`); children follow their parent, so a trace is whole or absent.
 *
 * @since 0.4.0
 */
import { SettingError } from "@liveness/core"
import type * as ConfigError from "effect/ConfigError"
import type * as Context from "effect/Context"
import * as Either from "effect/Either"
import type * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import { randomBytes } from "node:crypto"

type Root =
  | { readonly _tag: "AlwaysOn" }
  | { readonly _tag: "AlwaysOff" }
  | { readonly _tag: "TraceIdRatio"; readonly ratio: number }

/** A root sampler, or one that follows the parent's decision and uses `root` where there is no parent. */
export type Sampler = Root | { readonly _tag: "ParentBased"; readonly root: Root }

export const NAMES = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio"
] as const

const refuse = (name: string, problem: string, fix: string) =>
  Either.left(SettingError.invalid([name], { problem, fix }))

/** The sampler the two variables name (default `parentbased_always_on`, the spec's). */
export const parse = (
  name: string | undefined,
  arg: string | undefined
): Either.Either<Sampler, ConfigError.ConfigError> => {
  const chosen = (name ?? "").trim().toLowerCase() || "parentbased_always_on"
  let ratio = 1
  if (chosen.endsWith("traceidratio") && arg !== undefined && arg.trim() !== "") {
    ratio = Number(arg.trim())
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
      return refuse("OTEL_TRACES_SAMPLER_ARG", "must be a number from 0 to 1", "e.g. 0.1 to keep one trace in ten")
    }
  }
  const roots: Record<string, Root> = {
    always_on: { _tag: "AlwaysOn" },
    always_off: { _tag: "AlwaysOff" },
    traceidratio: { _tag: "TraceIdRatio", ratio }
  }
  const base = chosen.startsWith("parentbased_") ? chosen.slice("parentbased_".length) : chosen
  const root = roots[base]
  if (root === undefined) {
    return refuse("OTEL_TRACES_SAMPLER", `${chosen} is not supported`, `Use one of ${NAMES.join(", ")}`)
  }
  return Either.right(chosen === base ? root : { _tag: "ParentBased", root })
}

/** The spec's trace-id ratio rule, on the trace id's last 52 bits (random in every W3C trace id). */
const ratioSampled = (traceId: string, ratio: number) => parseInt(traceId.slice(-13), 16) / 2 ** 52 < ratio

const rootSampled = (root: Root, traceId: string) =>
  root._tag === "AlwaysOn" ? true : root._tag === "AlwaysOff" ? false : ratioSampled(traceId, root.ratio)

/** A span that is not exported: it carries its trace id and its parent, and records nothing. */
class Unsampled implements Tracer.Span {
  readonly _tag = "Span"
  readonly sampled = false
  readonly spanId = randomBytes(8).toString("hex")
  readonly attributes: ReadonlyMap<string, unknown> = new Map()
  readonly links: ReadonlyArray<Tracer.SpanLink> = []
  status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly traceId: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    readonly kind: Tracer.SpanKind,
    startTime: bigint
  ) {
    this.status = { _tag: "Started", startTime }
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>) {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute() {}
  event() {}
  addLinks() {}
}

/** `tracer` under `sampler` (always_on: `tracer` itself). */
export const wrap = (tracer: Tracer.Tracer, sampler: Sampler): Tracer.Tracer => {
  if (sampler._tag === "AlwaysOn") return tracer
  return Tracer.make({
    span(name, parent, context, links, startTime, kind, options) {
      const unsampled = (traceId: string) => new Unsampled(name, traceId, parent, context, kind, startTime)
      if (Option.isSome(parent)) {
        // Below a local span: its decision. Below a caller's (remote) span: its flag, when parent-based.
        if (parent.value._tag === "Span" || sampler._tag === "ParentBased") {
          return parent.value.sampled ? tracer.span(name, parent, context, links, startTime, kind, options) : unsampled(
            parent.value.traceId
          )
        }
        return ratioSampled(parent.value.traceId, sampler._tag === "TraceIdRatio" ? sampler.ratio : 0)
          ? tracer.span(name, parent, context, links, startTime, kind, options)
          : unsampled(parent.value.traceId)
      }
      // A new trace: the exporting tracer draws its id, the sampler judges it; an unsampled one is never ended there.
      const span = tracer.span(name, parent, context, links, startTime, kind, options)
      const root = sampler._tag === "ParentBased" ? sampler.root : sampler
      return rootSampled(root, span.traceId) ? span : unsampled(span.traceId)
    },
    context: (f, fiber) => tracer.context(f, fiber)
  })
}
