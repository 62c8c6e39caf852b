/**
 * A throwaway `redis-server` on 127.0.0.1 for tests, benchmarks and local trials: no persistence, a free
 * port, stopped with its scope. It can be stopped and started again on the same port, to rehearse an outage.
 * Needs the `redis-server` binary (Debian: `apt-get install redis-server`).
 *
 * `shared` reuses the server named by `LIVENESS_TEST_REDIS_URL` when it is set (CI starts one), else starts one.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { connect, createServer } from "node:net"

export class RedisServerError extends Data.TaggedError("RedisServerError")<{ readonly message: string }> {}

export interface RedisServer {
  readonly url: string
  readonly port: number
  /** Kills the server (SIGKILL: no goodbye to clients). */
  readonly kill: Effect.Effect<void>
  /** Starts it again on the same port. */
  readonly restart: Effect.Effect<void, RedisServerError>
}

const HOST = "127.0.0.1"

const freePort = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, HOST, () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const launch = (port: number) =>
  Effect.async<ChildProcess, RedisServerError>((resume) => {
    const child = spawn("redis-server", [
      "--port",
      String(port),
      "--bind",
      HOST,
      "--save",
      "",
      "--appendonly",
      "no",
      "--loglevel",
      "warning"
    ], { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    let done = false
    const finish = (effect: Effect.Effect<ChildProcess, RedisServerError>) => {
      if (done) return
      done = true
      clearInterval(poll)
      resume(effect)
    }
    child.on("error", (error) =>
      finish(Effect.fail(
        new RedisServerError({
          message: (error as NodeJS.ErrnoException).code === "ENOENT"
            ? "redis-server is not installed (Debian: apt-get install redis-server)"
            : `redis-server did not start: ${error.message}`
        })
      )))
    child.on("exit", (code) =>
      finish(Effect.fail(new RedisServerError({ message: `redis-server exited (${code}): ${output.slice(-300)}` }))))
    child.stdout!.on("data", (chunk) => (output += String(chunk)))
    child.stderr!.on("data", (chunk) => (output += String(chunk)))
    // Ready when the port accepts connections (the log line depends on the log level).
    const poll = setInterval(() => {
      const probe = connect(port, HOST)
      probe.once("connect", () => {
        probe.destroy()
        finish(Effect.succeed(child))
      })
      probe.once("error", () =>
        probe.destroy())
    }, 20)
    return Effect.sync(() => {
      clearInterval(poll)
      child.kill("SIGKILL")
    })
  }).pipe(
    Effect.timeoutFail({
      duration: Duration.seconds(10),
      onTimeout: () =>
        new RedisServerError({ message: "redis-server did not accept connections within 10 s" })
    })
  )

const stop = (child: ChildProcess | undefined) =>
  child === undefined || child.exitCode !== null || child.signalCode !== null
    ? Effect.void
    : Effect.async<void>((resume) => {
      child.once("exit", () => resume(Effect.void))
      child.kill("SIGKILL")
    })

/** Starts a server on a free port (or `port`); stopped when the scope closes. */
export const start = (
  options: { readonly port?: number } = {}
): Effect.Effect<RedisServer, RedisServerError, Scope.Scope> =>
  Effect.gen(function*() {
    const port = options.port ?? (yield* freePort)
    let child: ChildProcess | undefined = yield* launch(port)
    yield* Effect.addFinalizer(() => stop(child))
    return {
      url: `redis://${HOST}:${port}`,
      port,
      kill: Effect.suspend(() => stop(child)),
      restart: Effect.suspend(() => stop(child)).pipe(
        Effect.zipRight(launch(port)),
        Effect.map((next) => {
          child = next
        })
      )
    }
  })

/** The URL of a Redis every test of a run may share (`LIVENESS_TEST_REDIS_URL`, or one started now). */
export const shared: Effect.Effect<string, RedisServerError, Scope.Scope> = Effect.suspend(() => {
  const url = process.env["LIVENESS_TEST_REDIS_URL"]
  return url !== undefined && url !== "" ? Effect.succeed(url) : Effect.map(start(), (server) => server.url)
})
