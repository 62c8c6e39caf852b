/**
 * Renders Effect's metric registry (`Metric.snapshot`) as Prometheus text (exposition format 0.0.4):
 * counters, gauges (and counters that may decrease), histograms (`_bucket` with cumulative `le` labels, `_sum`, `_count`), summaries and
 * frequencies (as counters labelled `key`), each name with one `# HELP` and one `# TYPE`. A counter's name ends in `_total`
 * (Prometheus's naming rule, which `promtool check metrics` enforces): the repository's own already do; Effect's
 * `effect_fiber_started` and `effect_fiber_successes` get the suffix here.
 *
 * Hand-written rather than `@opentelemetry/exporter-prometheus` or `prom-client`: see the README's metrics section.
 */
import * as MetricKeyType from "effect/MetricKeyType"
import type * as MetricLabel from "effect/MetricLabel"
import type * as MetricPair from "effect/MetricPair"
import * as MetricState from "effect/MetricState"
import * as Option from "effect/Option"

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

const metricName = (name: string) => {
  const cleaned = name.replace(/[^a-zA-Z0-9_:]/g, "_")
  return /^[a-zA-Z_:]/.test(cleaned) ? cleaned : `_${cleaned}`
}

const labelName = (name: string) => {
  const cleaned = name.replace(/[^a-zA-Z0-9_]/g, "_")
  return /^[a-zA-Z_]/.test(cleaned) ? cleaned : `_${cleaned}`
}

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, "\\\"")

const escapeHelp = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const number = (value: number | bigint) => {
  if (typeof value === "bigint") return value.toString()
  if (Number.isNaN(value)) return "NaN"
  if (value === Number.POSITIVE_INFINITY) return "+Inf"
  if (value === Number.NEGATIVE_INFINITY) return "-Inf"
  return String(value)
}

const labels = (tags: ReadonlyArray<MetricLabel.MetricLabel>, extra: ReadonlyArray<readonly [string, string]> = []) => {
  const all = [
    ...tags.map((tag) => [labelName(tag.key), tag.value] as const).sort(([a], [b]) => a.localeCompare(b)),
    ...extra
  ]
  return all.length === 0 ? "" : `{${all.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(",")}}`
}

type Kind = "counter" | "gauge" | "histogram" | "summary"

/** Effect counters that are not `incremental` may go down (e.g. `effect_fiber_active`): Prometheus calls that a gauge. */
const kindOf = (pair: MetricPair.MetricPair.Untyped): Kind | undefined => {
  const state = pair.metricState
  const keyType = pair.metricKey.keyType
  return MetricState.isCounterState(state)
    ? MetricKeyType.isCounterKey(keyType) && !keyType.incremental ? "gauge" : "counter"
    : MetricState.isFrequencyState(state)
    ? "counter"
    : MetricState.isGaugeState(state)
    ? "gauge"
    : MetricState.isHistogramState(state)
    ? "histogram"
    : MetricState.isSummaryState(state)
    ? "summary"
    : undefined
}

const samples = (name: string, pair: MetricPair.MetricPair.Untyped): Array<string> => {
  const state = pair.metricState
  const tags = pair.metricKey.tags
  if (MetricState.isCounterState(state)) return [`${name}${labels(tags)} ${number(state.count)}`]
  if (MetricState.isGaugeState(state)) return [`${name}${labels(tags)} ${number(state.value)}`]
  if (MetricState.isFrequencyState(state)) {
    return [...state.occurrences].map(([key, count]) => `${name}${labels(tags, [["key", key]])} ${number(count)}`)
  }
  if (MetricState.isHistogramState(state)) {
    const buckets = state.buckets.map(([le, count]) =>
      `${name}_bucket${labels(tags, [["le", number(le)]])} ${number(count)}`
    )
    if (!state.buckets.some(([le]) => le === Number.POSITIVE_INFINITY)) {
      buckets.push(`${name}_bucket${labels(tags, [["le", "+Inf"]])} ${number(state.count)}`)
    }
    return [
      ...buckets,
      `${name}_sum${labels(tags)} ${number(state.sum)}`,
      `${name}_count${labels(tags)} ${number(state.count)}`
    ]
  }
  if (MetricState.isSummaryState(state)) {
    return [
      ...state.quantiles.flatMap(([quantile, value]) =>
        Option.isSome(value) ? [`${name}${labels(tags, [["quantile", number(quantile)]])} ${number(value.value)}`] : []
      ),
      `${name}_sum${labels(tags)} ${number(state.sum)}`,
      `${name}_count${labels(tags)} ${number(state.count)}`
    ]
  }
  return []
}

/** The exposed name: sanitized, and with `_total` if it is a counter's. */
const exposedName = (pair: MetricPair.MetricPair.Untyped) => {
  const name = metricName(pair.metricKey.name)
  return kindOf(pair) === "counter" && !name.endsWith("_total") ? `${name}_total` : name
}

/** The exposition text of a snapshot, metrics sorted by name. */
export const render = (snapshot: ReadonlyArray<MetricPair.MetricPair.Untyped>): string => {
  const byName = new Map<string, Array<MetricPair.MetricPair.Untyped>>()
  for (const pair of snapshot) {
    const name = exposedName(pair)
    const group = byName.get(name)
    if (group === undefined) byName.set(name, [pair])
    else group.push(pair)
  }
  const lines: Array<string> = []
  for (const name of [...byName.keys()].sort()) {
    const group = byName.get(name)!
    const kind = kindOf(group[0])
    if (kind === undefined) continue
    const description = group.map((pair) => pair.metricKey.description).find(Option.isSome)
    lines.push(`# HELP ${name} ${escapeHelp(description === undefined ? name : description.value)}`)
    lines.push(`# TYPE ${name} ${kind}`)
    for (const pair of group) {
      if (kindOf(pair) === kind) lines.push(...samples(name, pair))
    }
  }
  return lines.join("\n") + "\n"
}
