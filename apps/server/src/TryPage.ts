/**
 * `/try`: a page for testers on the simulated providers. It lists the fake's documented scenarios (served as JSON
 * from `MagicValues.documented`, the table the fake's README is checked against), mints fresh fake SDK payloads
 * with the fake's own `Fixtures.sdkPayload`, or sends an image file or a camera snapshot, and shows what
 * `POST /processes/v1` answers: verdict, process id, attempts, request id, time taken, replays and problems.
 *
 * Served on the sandbox and the fake only, and off with `NODE_ENV=production` unless `GATEWAY_TRY_PAGE=true`
 * (like the simulated providers themselves). Its script and stylesheet are served beside it (no CDN) under the
 * gateway's default helmet Content-Security-Policy: no inline script, no inline event handler.
 */
import { SelfiePayload } from "@liveness/core"
import { Fixtures, ImageInfo, MagicValues, Scenario } from "@liveness/fake"
import type { LivenessRuntime } from "@liveness/runtime"
import * as Either from "effect/Either"
import type * as GatewayConfig from "./GatewayConfig.js"

export { script } from "./TryPageScript.js"

/** The setting that turns the page on or off. */
export const SETTING = "GATEWAY_TRY_PAGE"

/** Why the page is not served here, for the 404 problem's detail; `undefined` when it is served. */
export const refusal = (
  config: Pick<GatewayConfig.GatewayConfig, "production" | "tryPage">,
  provider: Pick<LivenessRuntime.Info, "kind" | "simulated">
): string | undefined => {
  if (!provider.simulated) {
    return `The testers' page is served on a simulated provider only (LIVENESS_PROVIDER=sandbox or fake); this ` +
      `gateway runs on ${provider.kind}.`
  }
  if (config.tryPage) return undefined
  return config.production
    ? `The testers' page is off with NODE_ENV=production: set ${SETTING}=true to serve it on purpose.`
    : `The testers' page is turned off (${SETTING}=false).`
}

/** `GET /try/scenarios.json`: the provider, the fake's documented scenarios and the plain-image rules. */
export const scenarios = (provider: Pick<LivenessRuntime.Info, "kind" | "description">) => ({
  provider: { kind: provider.kind, description: provider.description },
  scenarios: MagicValues.documented,
  /** What a valid CPF that is not in the table gives. */
  otherCpfs: "live" satisfies Scenario.Name,
  plainImage: {
    formats: ["jpeg", "png", "webp"] satisfies ReadonlyArray<SelfiePayload.ImageFormat>,
    maxBytes: SelfiePayload.MAX_IMAGE_BYTES,
    minLongSide: ImageInfo.MIN_LONG_SIDE,
    minShortSide: ImageInfo.MIN_SHORT_SIDE
  }
})

export interface Minted {
  readonly imageBase64: string
  readonly scenario?: Scenario.Name
  /** When the capture is said to have been made: a fake SDK payload is valid 10 minutes from then. */
  readonly issuedAt: string
}

export interface FieldIssue {
  readonly field: string
  readonly message: string
}

/**
 * `POST /try/payloads` with `{ "scenario"?: name }`: a fresh fake SDK payload, the format `Fixtures.sdkPayload`
 * makes (the scenario claim decides the outcome when the subject's CPF is not a magic one).
 */
export const mint = (body: unknown): Either.Either<Minted, ReadonlyArray<FieldIssue>> => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return Either.left([{ field: "body", message: "must be a JSON object" }])
  }
  const { scenario } = body as { readonly scenario?: unknown }
  if (scenario !== undefined && !Scenario.isName(scenario)) {
    return Either.left([{ field: "scenario", message: `must be one of ${Scenario.names.join(", ")}` }])
  }
  const issuedAt = new Date()
  return Either.right({
    imageBase64: Fixtures.sdkPayload({ issuedAt, ...(scenario === undefined ? {} : { scenario }) }),
    ...(scenario === undefined ? {} : { scenario }),
    issuedAt: issuedAt.toISOString()
  })
}

export const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Try the liveness gateway</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="/try/app.css">
    <script defer src="/try/app.js"></script>
  </head>
  <body>
    <header>
      <h1>Try the liveness gateway</h1>
      <p>Every scenario of the simulated provider, from the browser. Provider:
        <strong id="provider">…</strong>. Nothing here reaches Unico. The API itself: <a href="/docs">/docs</a>.</p>
    </header>
    <main>
      <form id="check-form" novalidate>
        <section aria-labelledby="key-heading">
          <h2 id="key-heading">Gateway key</h2>
          <label for="key">Gateway key (sent as <code>Authorization: Bearer</code>)</label>
          <input id="key" name="key" type="password" autocomplete="off" spellcheck="false"
            aria-describedby="key-hint">
          <p id="key-hint" class="hint">Kept in this page's memory only: never stored, gone when the page is closed.
            Leave it empty when the gateway runs without keys.</p>
        </section>

        <section aria-labelledby="scenario-heading">
          <h2 id="scenario-heading">Scenario</h2>
          <fieldset id="scenarios">
            <legend>The fake's documented scenarios: magic CPF, what the provider answers, what the check gives</legend>
            <p id="scenarios-status" class="hint" role="status">Loading the scenarios…</p>
          </fieldset>
          <p class="hint" id="other-cpfs"></p>
        </section>

        <section aria-labelledby="subject-heading">
          <h2 id="subject-heading">Subject</h2>
          <div class="fields">
            <div>
              <label for="cpf">CPF (<code>subject.code</code>, 11 digits; empty: no subject)</label>
              <input id="cpf" name="cpf" inputmode="numeric" autocomplete="off" maxlength="11">
            </div>
            <div>
              <label for="name">Name (<code>subject.name</code>)</label>
              <input id="name" name="name" autocomplete="off" value="Test Subject">
            </div>
          </div>
        </section>

        <section aria-labelledby="capture-heading">
          <h2 id="capture-heading">Capture</h2>
          <fieldset>
            <legend>What to send as <code>imageBase64</code></legend>
            <div class="choice">
              <input type="radio" name="source" id="source-sdk" value="sdk" checked>
              <label for="source-sdk">A fresh fake SDK payload for the scenario (made by the gateway)</label>
            </div>
            <div class="choice">
              <input type="radio" name="source" id="source-file" value="file">
              <label for="source-file">An image file (JPEG, PNG or WebP)</label>
            </div>
            <div class="choice">
              <input type="radio" name="source" id="source-camera" value="camera">
              <label for="source-camera">A camera snapshot (JPEG)</label>
            </div>
          </fieldset>
          <div id="file-panel" class="panel" hidden>
            <label for="file">Image file</label>
            <input id="file" name="file" type="file" accept="image/jpeg,image/png,image/webp">
          </div>
          <div id="camera-panel" class="panel" hidden>
            <div class="buttons">
              <button type="button" id="camera-start">Start the camera</button>
              <label for="snapshot-size">Snapshot size</label>
              <select id="snapshot-size" name="snapshot-size">
                <option value="1">As the camera gives it</option>
                <option value="0.5">Half the camera's width and height</option>
                <option value="0.25">A quarter</option>
              </select>
              <button type="button" id="camera-snap">Take a snapshot</button>
            </div>
            <p id="camera-status" class="hint" role="status"></p>
            <div class="media">
              <video id="camera-video" autoplay muted playsinline aria-label="Camera preview" hidden></video>
              <img id="snapshot-preview" alt="The snapshot to send" hidden>
            </div>
          </div>
          <p class="hint" id="image-rules"></p>
        </section>

        <section aria-labelledby="check-heading">
          <h2 id="check-heading">Check</h2>
          <div class="buttons">
            <button type="submit" id="check">Run the check</button>
            <button type="button" id="again" disabled aria-describedby="again-hint">Send the same capture again</button>
          </div>
          <p id="again-hint" class="hint">Sends the last capture (the same <code>imageBase64</code>) with the subject
            and key now in the form. Unchanged, the gateway gives its first answer again, marked
            <code>Idempotent-Replayed: true</code>, with the same process id and no new submission; with another
            subject or key, it refuses the capture as reused (422, Unico 10508).</p>
          <div id="result" class="result" role="status" aria-live="polite" aria-atomic="true"></div>
        </section>
      </form>

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">This session's checks</h2>
        <p id="history-empty" class="hint">None yet. The last 20 checks are kept here, in this page only.</p>
        <div class="scroll">
          <table id="history" hidden>
            <caption>Newest first</caption>
            <thead>
              <tr><th scope="col">#</th><th scope="col">Capture</th><th scope="col">Subject</th>
                <th scope="col">Answer</th><th scope="col">Replay</th><th scope="col">Process id</th>
                <th scope="col">Attempts</th><th scope="col">Time</th><th scope="col">Read back</th></tr>
            </thead>
            <tbody></tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="read-heading">
        <h2 id="read-heading">Read a process back</h2>
        <form id="read-form" novalidate>
          <label for="process-id">Process id (<code>GET /processes/v1/{id}</code>, with the key above)</label>
          <div class="buttons">
            <input id="process-id" name="process-id" autocomplete="off" spellcheck="false">
            <button type="submit" id="read">Read it back</button>
          </div>
        </form>
        <div id="read-result" class="result" role="status" aria-live="polite" aria-atomic="true"></div>
      </section>
    </main>
  </body>
</html>
`

export const style = `
:root { color-scheme: light; --ink: #1f2430; --muted: #4d5566; --line: #c9cfdb; --accent: #0b5cad;
  --good: #116b2f; --bad: #a3161f; --warn: #7a4a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  background: #fff; }
header, main { max-width: 1100px; margin: 0 auto; padding: 0 16px; }
h1 { font-size: 1.6rem; margin: 16px 0 4px; }
h2 { font-size: 1.2rem; margin: 24px 0 8px; }
a { color: var(--accent); }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.9em; overflow-wrap: anywhere; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0; padding: 8px 12px; min-width: 0; }
legend { padding: 0 4px; font-weight: 600; }
label { font-weight: 600; }
input, select, button { font: inherit; }
input[type="password"], input:not([type]), input[type="file"], select { display: block; width: 100%;
  max-width: 32rem; margin: 4px 0 8px; padding: 6px 8px; border: 1px solid var(--muted); border-radius: 4px; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button { padding: 8px 14px; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent);
  color: #fff; cursor: pointer; }
button[type="button"] { background: #fff; color: var(--accent); }
button:disabled { opacity: 0.55; cursor: not-allowed; }
.hint { color: var(--muted); margin: 4px 0 8px; }
.fields { display: flex; flex-wrap: wrap; gap: 0 24px; }
.fields > div { flex: 1 1 16rem; }
.buttons { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.buttons input, .buttons select { margin: 0; flex: 1 1 14rem; width: auto; }
.choice, .scenario { display: flex; gap: 8px; align-items: flex-start; padding: 6px 0; }
.scenario + .scenario { border-top: 1px solid #e5e8ef; }
.choice input, .scenario input { margin-top: 0.35em; flex: none; }
.scenario label { font-weight: normal; display: flex; flex-wrap: wrap; gap: 0 12px; }
.scenario .name { font-weight: 700; min-width: 11rem; }
.scenario .answers, .scenario .gives { flex: 1 1 100%; color: var(--muted); }
.panel { margin: 8px 0; }
.media { display: flex; flex-wrap: wrap; gap: 8px; }
.media video, .media img { max-width: 100%; width: 320px; border: 1px solid var(--line); }
.result { margin: 12px 0; }
.result:empty { display: none; }
.result .outcome { font-size: 1.3rem; font-weight: 700; margin: 0 0 4px; }
.result.ok .outcome { color: var(--good); }
.result.problem .outcome, .result.failed .outcome { color: var(--bad); }
.result .replayed { color: var(--warn); font-weight: 700; }
dl { display: grid; grid-template-columns: minmax(7rem, max-content) 1fr; gap: 2px 16px; margin: 0;
  padding: 8px 12px; border: 1px solid var(--line); border-radius: 6px; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); }
th, td { border-top: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
td code { overflow-wrap: normal; }
@media (max-width: 480px) {
  dl { grid-template-columns: 1fr; }
  dd { margin-bottom: 6px; }
}
`
