/**
 * The cheap provider stub of `bench:adapter` and `bench:gateway`, run as a child process (`node --import tsx
 * src/Stub.ts`, `PORT` in the environment; see `startStub`). A bare `node:http` server on 127.0.0.1 answering, with
 * no validation and no crypto:
 *
 * - `POST /oauth2/token` (Unico's token endpoint): `{"access_token":"…","token_type":"Bearer","expires_in":3600}`;
 * - `POST /processes/v1` (Unico's create process): the body is read and discarded, then
 *   `{"id":"<uuid>","status":3,"liveness":1}` (a live verdict);
 * - `POST /` with `x-amz-target: RekognitionService.CreateFaceLivenessSession` (AWS's JSON protocol, what
 *   `@aws-sdk/client-rekognition` sends): `{"SessionId":"<uuid>"}` as `application/x-amz-json-1.1`;
 * - `GET /stats`: how many of each it answered so far, `{"tokens":n,"processes":n,"aws":n}`, so a benchmark can
 *   check that every call reached it (the capture ledger answers a repeated payload without a request).
 *
 * It is its own process, not the sandbox and not inside the benchmark: the sandbox verifies assertions and
 * payloads, which is server work that would dilute every client's share, and a stub in the benchmark process would
 * bill its CPU to the clients. Here every client of a ratio pays the same, small, server cost on the same cores.
 */
import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"

const TOKEN = JSON.stringify({ access_token: "stub-access-token", token_type: "Bearer", expires_in: 3600 })
const counts = { tokens: 0, processes: 0, aws: 0 }

const answer = (res: ServerResponse, status: number, contentType: string, body: string) => {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) }).end(body)
}

const route = (req: IncomingMessage, res: ServerResponse) => {
  if (req.method === "POST" && req.url === "/processes/v1") {
    counts.processes++
    return answer(res, 200, "application/json", `{"id":"${randomUUID()}","status":3,"liveness":1}`)
  }
  if (req.method === "POST" && req.headers["x-amz-target"] === "RekognitionService.CreateFaceLivenessSession") {
    counts.aws++
    return answer(res, 200, "application/x-amz-json-1.1", `{"SessionId":"${randomUUID()}"}`)
  }
  if (req.method === "POST" && req.url === "/oauth2/token") {
    counts.tokens++
    return answer(res, 200, "application/json", TOKEN)
  }
  if (req.method === "GET" && req.url === "/stats") return answer(res, 200, "application/json", JSON.stringify(counts))
  return answer(res, 404, "application/json", `{"code":"404","description":"not found"}`)
}

const server = createServer((req, res) => {
  // Read and discard the body, then answer.
  req.resume()
  req.once("end", () => route(req, res))
})
// Idle keep-alive connections stay open across a benchmark's pauses between rounds.
server.keepAliveTimeout = 60_000
server.headersTimeout = 65_000
server.listen(Number(process.env.PORT), "127.0.0.1", () => {
  process.stdout.write("stub listening\n")
})
