/**
 * Spans only where someone receives them. Every Effect runtime starts with a built-in tracer that keeps spans in
 * memory and exports nothing; a span for it, with its attributes, is per-check work for nobody (a few percent of a
 * check against a fast provider: `pnpm --filter @liveness/bench profile adapter tiny32`). Under any other tracer
 * (OpenTelemetry's, a test's recording tracer) every span and attribute below is there as with `Effect.withSpan`.
 *
 * @since 0.3.0
 */
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as Tracer from "effect/Tracer"

/** The tracer every runtime starts with. */
const builtInTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)

/** Whether spans made in `fiber` reach a tracer that exports them. */
export const exportsSpans = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean =>
  fiber.currentTracer !== builtInTracer && fiber.getFiberRef(FiberRef.currentTracerEnabled)

/**
 * Whether a span made now in `fiber` is recorded: spans are exported, and the current span, if it is one of this
 * process's, was sampled (below an unsampled one, a sampler drops every child: making them is work for nobody). What a
 * span made by hand (an HTTP client's) asks before it is made.
 *
 * @since 0.4.0
 */
export const recordsSpans = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean => {
  if (!exportsSpans(fiber)) return false
  const span = fiber.currentSpan
  return span === undefined || span._tag !== "Span" || span.sampled
}

/**
 * The current span of a fiber's refs (a logger's `context`), when spans are exported: what a log line names to lead to
 * its trace. Under the built-in tracer there is none (its spans go nowhere).
 *
 * @since 0.4.0
 */
export const exportedSpanIn = (refs: FiberRefs.FiberRefs): Tracer.AnySpan | undefined => {
  if (!FiberRefs.getOrDefault(refs, FiberRef.currentTracerEnabled)) return undefined
  const tracer = Context.get(FiberRefs.getOrDefault(refs, DefaultServices.currentServices), Tracer.Tracer)
  if (tracer === builtInTracer) return undefined
  return Context.getOrElse(FiberRefs.getOrDefault(refs, FiberRef.currentContext), Tracer.ParentSpan, () => undefined)
}

/** `Effect.withSpan`, when spans are exported and sampled (see the module's comment); otherwise `effect` itself. */
export const withSpan = (
  name: string,
  options?: Tracer.SpanOptions
) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) =>
    recordsSpans(fiber) ? Effect.withSpan(effect, name, { captureStackTrace: false, ...options }) : effect
  )

/** Sets attributes on the current span, when it is exported; call it inside a fiber's synchronous step. */
export const annotate = (fiber: Fiber.RuntimeFiber<unknown, unknown>, attributes: Record<string, unknown>): void => {
  if (!recordsSpans(fiber)) return
  const span = fiber.currentSpan
  if (span?._tag !== "Span") return
  for (const key in attributes) span.attribute(key, attributes[key])
}
