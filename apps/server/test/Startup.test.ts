import { describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@liveness/fake"
import { connect } from "node:net"
import { start, StartupError } from "../src/index.js"
import {
  checksInFlight,
  eventually,
  expectProblem,
  listening,
  postJson,
  seedBody,
  spawnGateway,
  startGateway
} from "./support.js"

const startFails = async (env: Record<string, string>) => {
  const error = await start({
    env: { PORT: "0", LOG_LEVEL: "silent", ...env },
    logDestination: { write: () => undefined }
  }).then(
    async (gateway) => {
      await gateway.close()
      throw new Error("the gateway started")
    },
    (error: unknown) => error
  )
  expect(error).toBeInstanceOf(StartupError)
  const message = (error as StartupError).message
  expect(message).not.toMatch(/\n\s+at /)
  return message
}

describe("start-up refuses bad configuration with a readable message", () => {
  it("production refuses the fake and the sandbox unless LIVENESS_ALLOW_FAKE=true", async () => {
    for (const provider of ["fake", "sandbox"]) {
      const message = await startFails({
        NODE_ENV: "production",
        LIVENESS_PROVIDER: provider,
        GATEWAY_API_KEYS: "k"
      })
      expect(message).toContain("LIVENESS_ALLOW_FAKE")
    }
  })

  it("production refuses to start without GATEWAY_API_KEYS", async () => {
    const message = await startFails({ NODE_ENV: "production", LIVENESS_PROVIDER: "fake", LIVENESS_ALLOW_FAKE: "true" })
    expect(message).toMatch(/^GATEWAY_API_KEYS: is not set, with NODE_ENV=production/)
  })

  it("names the setting that is wrong", async () => {
    expect(await startFails({ PORT: "eighty" })).toMatch(/PORT/)
    expect(await startFails({ BODY_LIMIT: "lots" })).toMatch(/^BODY_LIMIT/)
    expect(await startFails({ CORS_ORIGINS: "*" })).toMatch(/^CORS_ORIGINS/)
    expect(await startFails({ LOG_LEVEL: "loud" })).toMatch(/^LOG_LEVEL/)
    expect(await startFails({ LIVENESS_PROVIDER: "mock" })).toMatch(/^LIVENESS_PROVIDER/)
    expect(await startFails({ LIVENESS_PROVIDER: "unico", UNICO_API_KEY: "k" })).toMatch(/^UNICO_/)
    expect(await startFails({ LIVENESS_PROVIDER: "fake", LIVENESS_DEADLINE_MS: "soon" })).toMatch(
      /LIVENESS_DEADLINE_MS/
    )
  })

  it("a port that is taken is a readable error too", async () => {
    const gw = await startGateway({ LIVENESS_PROVIDER: "fake" })
    try {
      expect(await startFails({ LIVENESS_PROVIDER: "fake", PORT: String(gw.gateway.port) })).toMatch(
        /^cannot listen on 127\.0\.0\.1:\d+/
      )
    } finally {
      await gw.close()
    }
  })

  it("production with the fake allowed and keys set: runs, says it is simulated, requires a key", async () => {
    const gw = await startGateway({
      NODE_ENV: "production",
      LIVENESS_PROVIDER: "fake",
      LIVENESS_ALLOW_FAKE: "true",
      GATEWAY_API_KEYS: "production-test-key"
    })
    try {
      const response = await postJson(gw.url, seedBody(), { authorization: "Bearer production-test-key" })
      expect(response.status).toBe(200)
      expect(response.headers.get("x-liveness-provider")).toBe("fake")
      expect(response.headers.get("x-liveness-simulated")).toBe("true")
      const refused = await postJson(gw.url, seedBody())
      expect(refused.headers.get("x-liveness-simulated")).toBe("true")
      await expectProblem(refused, 401, "unauthorized")
    } finally {
      await gw.close()
    }
  })
})

const refusesConnections = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url)
    const socket = connect(Number(port), hostname)
    socket.once("connect", () => {
      socket.destroy()
      resolve(false)
    })
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"))
  })

// Spawning under tsx takes a few seconds per process (more when CI runs every package at once).
describe.concurrent("the gateway as a process", { timeout: 90_000 }, () => {
  it("exits 1 with one readable line when the configuration is refused", async () => {
    const spawned = spawnGateway({ NODE_ENV: "production", LIVENESS_PROVIDER: "fake", GATEWAY_API_KEYS: "k" })
    const { code } = await spawned.exit
    expect(code).toBe(1)
    expect(spawned.stderr()).toMatch(/^liveness gateway: cannot start: LIVENESS_PROVIDER: .*LIVENESS_ALLOW_FAKE/)
    expect(spawned.stderr()).not.toMatch(/\n\s+at /)
    expect(spawned.stdout()).toBe("")
  })

  it("on SIGTERM with 100 checks in flight: refuses new connections, answers all 100, exits 0 within the grace period", async () => {
    // The 40 s CPF with a 5 s deadline: each check is in flight for 5 s, then answered 504.
    const spawned = spawnGateway({
      LIVENESS_PROVIDER: "fake",
      LIVENESS_DEADLINE_MS: "5000",
      LIVENESS_RATE_LIMIT: "0",
      SHUTDOWN_GRACE_MS: "30000"
    })
    const url = await listening(spawned)
    expect((await postJson(url, seedBody())).status).toBe(200)

    let answered = 0
    const inFlight = Array.from(
      { length: 100 },
      () =>
        postJson(url, seedBody({ code: "00000000949" })).then((response) => {
          answered++
          return response
        })
    )
    await checksInFlight(url, 100)
    spawned.child.kill("SIGTERM")
    await eventually(async () => (await refusesConnections(url)) ? true : undefined)
    // New connections were refused while all 100 checks were still running.
    expect(answered).toBe(0)

    for (const response of await Promise.all(inFlight)) {
      expect(response.headers.get("connection")).toBe("close")
      await expectProblem(response, 504, "deadline-exceeded")
    }
    expect(await spawned.exit).toEqual({ code: 0, signal: null })
    // The gateway measures its grace period itself: nothing was cut short.
    expect(spawned.stdout()).not.toContain("grace period over")
    const logs = spawned.stdout().trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(logs.find((log) => log.msg === "shutting down: no new connections")).toMatchObject({ inFlight: 100 })
    expect(logs.filter((log) => log.status === 504)).toHaveLength(100)
    expect(logs.at(-1)?.msg).toBe("stopped")
    expect(spawned.stderr()).toContain("SIGTERM received")
  })

  it("on SIGINT past the grace period: closes what is left and still exits 0", async () => {
    const spawned = spawnGateway({
      LIVENESS_PROVIDER: "fake",
      LIVENESS_DEADLINE_MS: "20000",
      SHUTDOWN_GRACE_MS: "300"
    })
    const url = await listening(spawned)
    const slow = postJson(url, { ...seedBody({ code: "00000000949" }), imageBase64: Fixtures.sdkPayload() }).then(
      (response) => response.status,
      () => "connection closed"
    )
    await checksInFlight(url, 1)
    spawned.child.kill("SIGINT")
    expect(await spawned.exit).toEqual({ code: 0, signal: null })
    // Closed at the grace period, long before the check's 20 s deadline could answer it.
    expect(await slow).toBe("connection closed")
    expect(spawned.stdout()).toContain("grace period over")
  })
})
