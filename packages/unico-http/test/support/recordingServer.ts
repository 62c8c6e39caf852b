/**
 * A tiny HTTP server on 127.0.0.1 for wire-level tests: it records every request (method, path, headers,
 * raw body) and answers through a handler the test passes, or misbehaves on request (destroys the socket
 * before or after reading the body, or never answers). Scoped: the server and every open connection are
 * closed with the scope.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** What arrived, as it arrived. `body` is `undefined` when the socket was destroyed before reading it. */
export interface RecordedRequest {
  readonly method: string
  /** Path and query, as sent. */
  readonly path: string
  /** Lower-cased header names (Node's). */
  readonly headers: IncomingHttpHeaders
  /** `Date.now()` when the request head arrived. */
  readonly at: number
  body: string | undefined
}

/** What the handler sees before the body is read (so it can misbehave before reading it). */
export interface RequestHead {
  readonly method: string
  readonly path: string
  /** The path without the query. */
  readonly pathname: string
  readonly headers: IncomingHttpHeaders
  /** 0-based index of this request among the requests to the same pathname. */
  readonly nth: number
}

export type Behaviour =
  | {
    readonly _tag: "reply"
    readonly status: number
    readonly headers?: Readonly<Record<string, string>>
    readonly body?: string
  }
  | { readonly _tag: "destroy-before-body" }
  | { readonly _tag: "destroy-after-body" }
  /** Sends the status line, the headers (with the full content-length) and half the body, then destroys. */
  | { readonly _tag: "cut-off"; readonly status: number; readonly body: string }
  | { readonly _tag: "never" }

export type Handler = (head: RequestHead) => Behaviour | Promise<Behaviour>

/** A reply with a JSON body (`application/json; charset=utf-8`, like Unico's). */
export const json = (
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {}
): Behaviour => ({
  _tag: "reply",
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify(body)
})

/** A reply with a raw body. */
export const raw = (status: number, body: string, headers: Readonly<Record<string, string>> = {}): Behaviour => ({
  _tag: "reply",
  status,
  headers,
  body
})

export const destroyBeforeBody: Behaviour = { _tag: "destroy-before-body" }
export const destroyAfterBody: Behaviour = { _tag: "destroy-after-body" }
export const never: Behaviour = { _tag: "never" }
export const cutOff = (status: number, body: unknown): Behaviour => ({
  _tag: "cut-off",
  status,
  body: JSON.stringify(body)
})

export interface RecordingServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string
  readonly port: number
  /** Every request so far, in arrival order. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** The requests to one pathname (query ignored), in arrival order. */
  readonly requestsTo: (pathname: string) => Effect.Effect<ReadonlyArray<RecordedRequest>>
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const pathnameOf = (path: string) => new URL(path, "http://recording").pathname

export interface StartOptions {
  /** Port to listen on (default 0: a free port). */
  readonly port?: number
}

/** Starts a recording server on 127.0.0.1 (a free port by default); it stops with the scope. */
export const start = (
  handler: Handler,
  options: StartOptions = {}
): Effect.Effect<RecordingServer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const recorded: Array<RecordedRequest> = []
    const perPath = new Map<string, number>()

    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      const path = req.url ?? "/"
      const pathname = pathnameOf(path)
      const nth = perPath.get(pathname) ?? 0
      perPath.set(pathname, nth + 1)
      const record: RecordedRequest = {
        method: req.method ?? "",
        path,
        headers: req.headers,
        at: Date.now(),
        body: undefined
      }
      recorded.push(record)
      const behaviour = await handler({ method: record.method, path, pathname, headers: req.headers, nth })
      if (behaviour._tag === "destroy-before-body") {
        req.socket.destroy()
        return
      }
      record.body = await readBody(req)
      switch (behaviour._tag) {
        case "destroy-after-body":
          req.socket.destroy()
          return
        case "never":
          return
        case "cut-off": {
          res.writeHead(behaviour.status, {
            "content-type": "application/json; charset=utf-8",
            "content-length": String(Buffer.byteLength(behaviour.body))
          })
          res.write(behaviour.body.slice(0, Math.floor(behaviour.body.length / 2)), () => res.destroy())
          return
        }
        case "reply": {
          const body = behaviour.body ?? ""
          res.writeHead(behaviour.status, { "content-length": String(Buffer.byteLength(body)), ...behaviour.headers })
          res.end(body)
        }
      }
    }

    const server = createServer((req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) {
          res.writeHead(500)
          res.end()
        } else {
          res.destroy()
        }
      })
    })

    const address = yield* Effect.acquireRelease(
      Effect.async<AddressInfo>((resume) => {
        server.once("error", (error) => resume(Effect.die(error)))
        server.listen(options.port ?? 0, "127.0.0.1", () => resume(Effect.succeed(server.address() as AddressInfo)))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )

    return {
      url: `http://127.0.0.1:${address.port}`,
      port: address.port,
      requests: Effect.sync(() => [...recorded]),
      requestsTo: (pathname) => Effect.sync(() => recorded.filter((request) => pathnameOf(request.path) === pathname))
    }
  })

/**
 * A port on 127.0.0.1 with nothing listening: a server is opened on a free port, its port noted, and the
 * server closed again.
 */
export const closedPort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})
