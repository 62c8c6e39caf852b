/**
 * The proxy baseline of `bench:gateway`, run as a child process (`node --import tsx src/Proxy.ts`, `PORT` and
 * `UPSTREAM` in the environment): a bare `node:http` server that does the least a gateway in front of Unico must
 * do. It reads the body of `POST /processes/v1`, `JSON.parse`s it, forwards `{subject, imageBase64}` with undici
 * (keep-alive `Agent`, a token fetched once at start) to `UPSTREAM/processes/v1` (the provider stub, src/Stub.ts),
 * reads the JSON answer and answers it with a verdict. No validation, no retries, no logs, no metrics: the limit
 * the gateway with the real adapter is measured against, on the same stub.
 */
import { createServer } from "node:http"
import { Agent, request } from "undici"

const upstream = process.env.UPSTREAM!
const agent = new Agent({ keepAliveTimeout: 60_000 })

const tokenResponse = await request(`${upstream}/oauth2/token`, { method: "POST", dispatcher: agent, body: "" })
const token = ((await tokenResponse.body.json()) as { access_token: string }).access_token

const forward = async (body: { subject?: unknown; imageBase64?: unknown }) => {
  const response = await request(`${upstream}/processes/v1`, {
    method: "POST",
    dispatcher: agent,
    headers: {
      authorization: `Bearer ${token}`,
      apikey: "k",
      accept: "application/json",
      "content-type": "application/json"
    },
    body: JSON.stringify({ subject: body.subject, imageBase64: body.imageBase64 })
  })
  const answer = (await response.body.json()) as Record<string, unknown>
  return { status: response.statusCode, answer }
}

createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    let body: { subject?: unknown; imageBase64?: unknown } | undefined
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body
    } catch {
      body = undefined
    }
    if (body === undefined || body === null || typeof body.imageBase64 !== "string") {
      res.writeHead(400, { "content-type": "application/json" }).end("{\"status\":400}")
      return
    }
    forward(body).then(({ answer, status }) => {
      const text = JSON.stringify(status === 200 ? { ...answer, verdict: "live" } : answer)
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text)
    }, () => {
      res.writeHead(502, { "content-type": "application/json" }).end("{\"status\":502}")
    })
  })
}).listen(Number(process.env.PORT), "127.0.0.1")
