/**
 * Benchmark 5, memory: (1) peak RSS of the gateway process under 200 concurrent 1 MB payloads; (2) the gateway's
 * heap (after a full GC) after 50,000 checks versus after 5,000. Goal for (2): within 10% (no leak).
 * Run alone: `pnpm --filter @liveness/bench bench:memory`.
 */
import { Fixtures } from "@liveness/fake"
import * as Effect from "effect/Effect"
import { fork } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Agent, request } from "undici"
import { answers200, entry, freePort, HOST, node, procStatusKb, waitFor } from "./Child.js"
import { SUBJECT } from "./Payloads.js"
import { print, table, writeSection } from "./Report.js"

const BIG_CONCURRENT = 200
const BIG_WAVES = 3
const IMAGE_BYTES = 1024 * 1024
const CHECKS_EARLY = 5000
const CHECKS_LATE = 50_000
const CONCURRENCY = 32
/** The capture ledger's retention in the heap run (see heapGrowth). */
const LEDGER_RETENTION_MS = 2000

const mb = (kb: number) => (kb / 1024).toFixed(1)

/** Peak RSS of `node apps/server/dist/main.js` (fake) under waves of 200 concurrent 1 MB images. */
const peakRss = async () => {
  const port = await freePort()
  const gateway = node([entry.gateway], {
    LIVENESS_PROVIDER: "fake",
    PORT: String(port),
    HOST,
    GATEWAY_RATE_LIMIT: "1000000",
    LIVENESS_RATE_LIMIT: "0"
  })
  const url = `http://${HOST}:${port}`
  const agent = new Agent({ connections: BIG_CONCURRENT })
  try {
    await waitFor(gateway, "the gateway", () => answers200(`${url}/healthz`))
    const pid = gateway.process.pid!
    const idleKb = procStatusKb(pid, "VmRSS")
    const body = JSON.stringify({ subject: SUBJECT, imageBase64: Fixtures.image({ minBytes: IMAGE_BYTES }) })
    const statuses: Record<string, number> = {}
    let sampledMaxKb = 0
    const sampler = setInterval(() => {
      sampledMaxKb = Math.max(sampledMaxKb, procStatusKb(pid, "VmRSS"))
    }, 20)
    const started = performance.now()
    for (let wave = 0; wave < BIG_WAVES; wave++) {
      await Promise.all(Array.from({ length: BIG_CONCURRENT }, async () => {
        const response = await request(`${url}/processes/v1`, {
          method: "POST",
          dispatcher: agent,
          headers: { "content-type": "application/json" },
          body
        })
        await response.body.dump()
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1
      }))
    }
    const seconds = (performance.now() - started) / 1000
    clearInterval(sampler)
    return {
      idleKb,
      hwmKb: procStatusKb(pid, "VmHWM"),
      sampledMaxKb,
      bodyBytes: Buffer.byteLength(body),
      statuses,
      seconds
    }
  } finally {
    await agent.close()
    await gateway.stop()
  }
}

interface Heap {
  readonly asIs: number
  readonly withoutFakeRecords: number
}

/** The gateway (fake) in a child with --expose-gc; heap after 5,000 and after 50,000 checks. */
const heapGrowth = async () => {
  const tsx = import.meta.resolve("tsx")
  const child = fork(fileURLToPath(new URL("./HeapGateway.ts", import.meta.url)), [], {
    execArgv: ["--expose-gc", "--import", tsx],
    env: {
      ...process.env,
      PORT: "0",
      HOST,
      LOG_LEVEL: "silent",
      LIVENESS_RATE_LIMIT: "0",
      GATEWAY_RATE_LIMIT: "0",
      // The capture ledger keeps each outcome for its retention (15 minutes by default, at most 100,000 of them, by
      // design: bench:ledger measures that); a short one lets a leak be told from what it keeps.
      LIVENESS_LEDGER_RETENTION_MS: String(LEDGER_RETENTION_MS)
    },
    stdio: ["ignore", "ignore", "inherit", "ipc"]
  })
  const nextMessage = <A>() =>
    new Promise<A>((resolve, reject) => {
      child.once("message", (message) => resolve(message as A))
      child.once("exit", (code) => reject(new Error(`the heap child exited with code ${code}`)))
    })
  const agent = new Agent()
  try {
    const { url } = await nextMessage<{ url: string }>()
    let sent = 0
    let failed = 0
    const checks = async (until: number) => {
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (sent < until) {
          sent++
          const response = await request(`${url}/processes/v1`, {
            method: "POST",
            dispatcher: agent,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ subject: SUBJECT, imageBase64: Fixtures.sdkPayload() })
          })
          await response.body.dump()
          if (response.statusCode !== 200) failed++
        }
      }))
    }
    const heap = async () => {
      const answer = nextMessage<Heap>()
      child.send("heap")
      return answer
    }
    const started = performance.now()
    await checks(CHECKS_EARLY)
    const early = await heap()
    await checks(CHECKS_LATE)
    const late = await heap()
    return { early, late, failed, seconds: (performance.now() - started) / 1000 }
  } finally {
    await agent.close()
    const exited = new Promise((resolve) => child.once("exit", resolve))
    child.send("stop")
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
    await exited
    clearTimeout(timer)
  }
}

export const runAsync = async () => {
  const rss = await peakRss()
  const heap = await heapGrowth()
  const growth = heap.late.withoutFakeRecords / heap.early.withoutFakeRecords - 1
  const growthAsIs = heap.late.asIs / heap.early.asIs - 1
  const met = Math.abs(growth) <= 0.1 && heap.failed === 0
  const statuses = Object.entries(rss.statuses).map(([code, n]) => `${code}×${n}`).join(" ")
  const rssHead = ["gateway process", "RSS MB"]
  const rssRows = [
    ["idle, after start", mb(rss.idleKb)],
    [
      `peak (VmHWM) under ${BIG_CONCURRENT} concurrent ${
        (rss.bodyBytes / 2 ** 20).toFixed(2)
      } MB bodies × ${BIG_WAVES} waves`,
      mb(rss.hwmKb)
    ],
    ["highest VmRSS sampled every 20 ms", mb(rss.sampledMaxKb)]
  ]
  const heapHead = [
    "heap after full GC",
    `after ${CHECKS_EARLY.toLocaleString("en")} checks MB`,
    `after ${CHECKS_LATE.toLocaleString("en")} checks MB`,
    "growth"
  ]
  const heapRows = [
    [
      "gateway, fake's records dropped (the measure)",
      (heap.early.withoutFakeRecords / 2 ** 20).toFixed(1),
      (heap.late.withoutFakeRecords / 2 ** 20).toFixed(1),
      `${(100 * growth).toFixed(1)}%`
    ],
    [
      "gateway + fake's records, as is (for reference)",
      (heap.early.asIs / 2 ** 20).toFixed(1),
      (heap.late.asIs / 2 ** 20).toFixed(1),
      `${(100 * growthAsIs).toFixed(1)}%`
    ]
  ]
  print("Memory: peak RSS", rssHead, rssRows)
  console.log(`answers to the big bodies: ${statuses} in ${rss.seconds.toFixed(1)} s`)
  print("Memory: heap", heapHead, heapRows)
  console.log(
    `${heap.failed} of ${CHECKS_LATE} checks not 200, ${heap.seconds.toFixed(1)} s; goal within 10%: ${
      met ? "met" : "NOT met"
    }`
  )
  writeSection(
    "memory",
    [
      "## Memory",
      "",
      "`pnpm --filter @liveness/bench bench:memory`.",
      "",
      `**Peak RSS.** The gateway as a process (\`node apps/server/dist/main.js\`, \`LIVENESS_PROVIDER=fake\`, default`,
      `\`BODY_LIMIT=4mb\`) receives ${BIG_WAVES} waves of ${BIG_CONCURRENT} concurrent \`POST /processes/v1\` whose`,
      `\`imageBase64\` is a JPEG padded to ${IMAGE_BYTES.toLocaleString("en")} bytes (a ${
        (rss.bodyBytes / 2 ** 20).toFixed(2)
      } MB JSON body). That is`,
      "over Unico's 800 KB image limit, so the answers are refused locally without reaching a provider: what is",
      "measured is the gateway's handling of large bodies (reading, parsing, validating 200 of them at once).",
      `Answers: ${statuses}. Peak from \`/proc/<pid>/status\` VmHWM; no goal was set for it.`,
      "",
      table(rssHead, rssRows),
      "",
      `**Heap.** The gateway started in a child process with \`--expose-gc\` (\`src/HeapGateway.ts\`: \`start({ env, layer })\``,
      "over the in-memory fake, logs silent, no rate limits) receives checks with fresh small SDK payloads at",
      `concurrency ${CONCURRENCY}; \`heapUsed\` is read after three \`gc()\` calls after ${
        CHECKS_EARLY.toLocaleString("en")
      } and after`,
      `${
        CHECKS_LATE.toLocaleString("en")
      } checks. The fake records every call, process and used payload by design (tests`,
      "inspect them; Unico keeps them on its side), so the measure is taken after `FakeProvider.reset`; the row",
      "as is shows that record for reference. The capture ledger keeps every outcome for its retention by design",
      "(15 minutes and at most 100,000 outcomes by default, about 405 B each: `bench:ledger`), so it runs here with",
      `\`LIVENESS_LEDGER_RETENTION_MS=${LEDGER_RETENTION_MS}\`: what it still holds at each reading is the last`,
      `${LEDGER_RETENTION_MS / 1000} s of checks, and any growth beyond that would be a leak. Goal: within 10%.`,
      "",
      table(heapHead, heapRows),
      "",
      `${heap.failed} of ${CHECKS_LATE.toLocaleString("en")} checks answered other than 200 (${
        heap.seconds.toFixed(1)
      } s). Goal within 10%: **${met ? "met" : "not met"}**.`
    ].join("\n")
  )
}

export const run = Effect.promise(runAsync)

if (import.meta.url === `file://${process.argv[1]}`) {
  runAsync().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
