import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { TransportFailure, UndiciHttpClient } from "../src/index.js"

interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

/** A real server on 127.0.0.1 that records each request and answers with `handler`. */
const server = (handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly received: Array<Received> }>((resume) => {
      const received: Array<Received> = []
      const http = createServer((req, res) => {
        let body = ""
        req.setEncoding("utf8")
        req.on("data", (chunk: string) => void (body += chunk))
        req.on("end", () => {
          received.push({ method: req.method!, url: req.url!, headers: req.headers, body })
          handler(req, res, body)
        })
      })
      http.listen(0, "127.0.0.1", () => {
        const { port } = http.address() as AddressInfo
        resume(Effect.succeed(Object.assign({ url: `http://127.0.0.1:${port}`, received }, { http })))
      })
    }),
    (running) =>
      Effect.async<void>((resume) => {
        const http = (running as unknown as { http: ReturnType<typeof createServer> }).http
        http.closeAllConnections()
        http.close(() => resume(Effect.void))
      })
  )

describe("UndiciHttpClient (an @effect/platform HttpClient over undici's request)", () => {
  it.scoped("sends the method, path, query, headers and a string body as they are; reads status, headers and text", () =>
    Effect.gen(function*() {
      const stub = yield* server((_req, res) => {
        res.writeHead(201, { "content-type": "application/json", "retry-after": "3" })
        res.end(JSON.stringify({ id: "p-1" }))
      })
      const client = yield* HttpClient.HttpClient
      const body = `{"imageBase64":"${"A".repeat(200_000)}"}`
      const response = yield* client.execute(
        HttpClientRequest.post(`${stub.url}/processes/v1`, { urlParams: { q: "1" } }).pipe(
          HttpClientRequest.setHeader("APIKEY", "k"),
          HttpClientRequest.setBody(HttpBody.raw(body, { contentType: "application/json" }))
        )
      )
      expect(response.status).toBe(201)
      expect(response.headers["retry-after"]).toBe("3")
      expect(yield* response.json).toEqual({ id: "p-1" })
      // The body can be read again (the adapter reads the text of an error answer after its status).
      expect(yield* response.text).toBe("{\"id\":\"p-1\"}")
      const [sent] = stub.received
      expect(sent).toMatchObject({ method: "POST", url: "/processes/v1?q=1", body })
      expect(sent!.headers).toMatchObject({ apikey: "k", "content-type": "application/json" })
      // No trace context goes to the provider.
      expect(sent!.headers.traceparent).toBeUndefined()
      expect(sent!.headers.b3).toBeUndefined()
    }).pipe(Effect.provide(UndiciHttpClient.layer)))

  it.scoped("keeps connections alive between requests", () =>
    Effect.gen(function*() {
      const ports = new Set<number>()
      const stub = yield* server((req, res) => {
        ports.add(req.socket.remotePort!)
        res.end("ok")
      })
      const client = yield* HttpClient.HttpClient
      for (let i = 0; i < 10; i++) expect(yield* Effect.flatMap(client.get(stub.url), (r) => r.text)).toBe("ok")
      // Connections are reused (a connection may be handed back a moment after its answer is read: not one per call).
      expect(ports.size).toBeLessThan(5)
    }).pipe(Effect.provide(UndiciHttpClient.layer)))

  it.scoped("a refused connection is a Transport RequestError whose cause says nothing was sent", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      // Port 1 on loopback: nothing listens there.
      const error = yield* client.get("http://127.0.0.1:1/").pipe(Effect.flip)
      expect(error._tag).toBe("RequestError")
      expect(error.reason).toBe("Transport")
      expect(TransportFailure.classify(error.cause)).toBe("not-sent")
    }).pipe(Effect.provide(UndiciHttpClient.layer)))

  it.scoped("interrupting a request aborts it: the server sees the connection close", () =>
    Effect.gen(function*() {
      let closed = false
      const stub = yield* server((req) => {
        // Never answers.
        req.socket.on("close", () => void (closed = true))
      })
      const client = yield* HttpClient.HttpClient
      const fiber = yield* Effect.fork(client.post(`${stub.url}/slow`, { body: HttpBody.text("x") }))
      while (stub.received.length === 0) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      yield* Fiber.interrupt(fiber)
      while (!closed) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      expect(closed).toBe(true)
    }).pipe(Effect.provide(UndiciHttpClient.layer)))
})
