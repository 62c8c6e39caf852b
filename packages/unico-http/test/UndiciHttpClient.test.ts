/**
 * UndiciHttpClient over real HTTP on 127.0.0.1 (a bare node:http server per test): what goes out, what comes back,
 * and every way an exchange can fail, as the adapter's error mapping reads them (TransportFailure, ResponseError).
 */
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { TransportFailure, UndiciHttpClient } from "../src/index.js"

interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

/** A server on a free loopback port answering with `handler`, closed with the test's scope. */
const serve = (handler: (request: IncomingMessage, response: ServerResponse, body: string) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly received: Array<Received> }>((resume) => {
      const received: Array<Received> = []
      const server = createServer((request, response) => {
        let body = ""
        request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
          received.push({ method: request.method!, url: request.url!, headers: request.headers, body })
          handler(request, response, body)
        })
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          received,
          server
        })))
    }),
    (running) =>
      Effect.async<void>((resume) => {
        const server = (running as unknown as { server: ReturnType<typeof createServer> }).server
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** A client whose agent lives as long as the test's scope. */
const clientWith = (options?: UndiciHttpClient.Options) =>
  Effect.map(Layer.build(UndiciHttpClient.layer(options)), (context) => Context.get(context, HttpClient.HttpClient))
const client = clientWith()

describe("UndiciHttpClient", () => {
  it.scopedLive("sends the method, path, query, headers and a string body as they are, and reads the answer", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.writeHead(201, { "content-type": "application/json", "x-answer": "yes", "set-cookie": "a=1" })
        response.end(JSON.stringify({ ok: true, text: "olá" }))
      })
      const http = yield* client
      const body = `{"imageBase64":"${"A".repeat(100_000)}"}`
      const response = yield* http.execute(
        HttpClientRequest.post(`${server.url}/processes/v1`).pipe(
          HttpClientRequest.setUrlParam("q", "1 2"),
          HttpClientRequest.setHeader("APIKEY", "k"),
          HttpClientRequest.setBody(HttpBody.raw(body, { contentType: "application/json" }))
        )
      )
      expect(response.status).toBe(201)
      expect(response.headers["x-answer"]).toBe("yes")
      expect(response.cookies.cookies["a"]?.value).toBe("1")
      expect(yield* response.json).toEqual({ ok: true, text: "olá" })
      // The body can be read again (it is held whole).
      expect(yield* response.text).toBe(JSON.stringify({ ok: true, text: "olá" }))
      const [received] = server.received
      expect(received?.method).toBe("POST")
      expect(received?.url).toBe("/processes/v1?q=1+2")
      expect(received?.headers["apikey"]).toBe("k")
      expect(received?.headers["content-type"]).toBe("application/json")
      expect(received?.body).toBe(body)
    }))

  it.scopedLive("sends form bodies (the token request) and empty ones", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => response.end(""))
      const http = yield* client
      yield* http.execute(
        HttpClientRequest.post(`${server.url}/oauth2/token`).pipe(
          HttpClientRequest.bodyUrlParams({ grant_type: "g", assertion: "a.b.c" })
        )
      )
      const empty = yield* http.execute(HttpClientRequest.get(`${server.url}/processes/v1/x`))
      expect(yield* empty.json).toBeNull()
      expect(server.received.map((r) => [r.method, r.body, r.headers["content-type"]])).toEqual([
        ["POST", "grant_type=g&assertion=a.b.c", "application/x-www-form-urlencoded"],
        ["GET", "", undefined]
      ])
    }))

  it.scopedLive("a refused connection is a Transport RequestError that says nothing was sent", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => response.end())
      const url = server.url
      const http = yield* client
      // The port of a server that has just closed: nothing listens there.
      const closed = yield* Effect.scoped(Effect.map(serve((_, response) => response.end()), (s) => s.url))
      const error = yield* Effect.flip(http.execute(HttpClientRequest.get(`${closed}/`)))
      expect(error._tag).toBe("RequestError")
      expect(error.reason).toBe("Transport")
      expect(TransportFailure.codeOf(error.cause)).toBe("ECONNREFUSED")
      expect(TransportFailure.classify(error.cause)).toBe("not-sent")
      // The client still works for the next request.
      expect((yield* http.execute(HttpClientRequest.get(`${url}/`))).status).toBe(200)
    }))

  it.scopedLive("an answer cut off after its status line gives the status, and its body read fails", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.writeHead(200, { "content-type": "application/json", "content-length": "100" })
        response.write("{\"id\":")
        setTimeout(() => response.socket?.destroy(), 20)
      })
      const http = yield* client
      const response = yield* http.execute(HttpClientRequest.get(`${server.url}/`))
      expect(response.status).toBe(200)
      const error = yield* Effect.flip(response.text)
      expect(error._tag).toBe("ResponseError")
      expect(error.reason).toBe("Decode")
    }))

  it.scopedLive("an answer larger than maxBodyBytes is refused", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => response.end("x".repeat(10_000)))
      const http = yield* clientWith({ maxBodyBytes: 1000 })
      const response = yield* http.execute(HttpClientRequest.get(`${server.url}/`))
      const error = yield* Effect.flip(response.text)
      expect(String(error.cause)).toContain("larger than 1000 bytes")
    }))

  it.scopedLive("interrupting a request aborts it: the server sees the connection close", () =>
    Effect.gen(function*() {
      const arrived = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<void>()
      const server = yield* serve((request) => {
        request.socket.on("close", () => Deferred.unsafeDone(closed, Effect.void))
        Deferred.unsafeDone(arrived, Effect.void)
        // Never answers.
      })
      const http = yield* client
      const fiber = yield* Effect.fork(http.execute(HttpClientRequest.post(`${server.url}/processes/v1`)))
      yield* Deferred.await(arrived)
      yield* Fiber.interrupt(fiber)
      yield* Deferred.await(closed)
      expect(server.received).toHaveLength(1)
    }))

  it.scoped("stream bodies are refused before anything is sent", () =>
    Effect.gen(function*() {
      const http = yield* client
      const error = yield* Effect.flip(
        http.execute(
          HttpClientRequest.post("http://127.0.0.1:1/").pipe(
            HttpClientRequest.setBody(HttpBody.stream(Stream.make(new Uint8Array([1]))))
          )
        )
      )
      expect(error._tag).toBe("RequestError")
      expect(error.reason).toBe("Encode")
    }))
})
