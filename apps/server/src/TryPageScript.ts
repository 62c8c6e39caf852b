/**
 * The `/try` page's script (`GET /try/app.js`): plain browser JavaScript, no framework, no build step. It reads the
 * scenarios from `/try/scenarios.json`, mints fake SDK payloads with `POST /try/payloads`, reads image files and
 * camera snapshots, calls `POST /processes/v1` and `GET /processes/v1/{id}` with the typed gateway key and renders
 * what they answer. The key lives in the input only: never in storage, a cookie or the URL, never logged. Failures
 * are shown on the page, not written to the console.
 */
export const script = String.raw`(function () {
  "use strict"

  var HISTORY_SIZE = 20
  var byId = function (id) { return document.getElementById(id) }
  var form = byId("check-form")
  var result = byId("result")
  var checkButton = byId("check")
  var againButton = byId("again")
  var video = byId("camera-video")
  var cameraStatus = byId("camera-status")
  var preview = byId("snapshot-preview")

  var scenarios = []
  var stream = null
  var snapshot = null
  var last = null
  var history = []
  var counter = 0

  /** A mistake the tester can fix (no file chosen, no snapshot): shown, with focus moved to the control. */
  function UserError(message, control) {
    this.message = message
    this.control = control
  }

  var element = function (tag, attributes, children) {
    var node = document.createElement(tag)
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]) })
    ;(children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child)
    })
    return node
  }

  /** Markdown's inline code, as the fake's table writes it: text between backticks becomes <code>. */
  var inline = function (text) {
    var span = element("span")
    String(text).split(String.fromCharCode(96)).forEach(function (part, i) {
      span.appendChild(i % 2 === 1 ? element("code", {}, [part]) : document.createTextNode(part))
    })
    return span
  }

  var selected = function (name) {
    var checked = form.querySelector("input[name=" + name + "]:checked")
    return checked === null ? undefined : checked.value
  }

  var headers = function (json) {
    var result = {}
    var key = byId("key").value.trim()
    if (key !== "") result.authorization = "Bearer " + key
    if (json) result["content-type"] = "application/json"
    return result
  }

  // -------------------------------------------------------------------------------------------------------------
  // Scenarios
  // -------------------------------------------------------------------------------------------------------------

  var renderScenarios = function (table) {
    var fieldset = byId("scenarios")
    byId("scenarios-status").remove()
    byId("provider").textContent = table.provider.description
    scenarios = table.scenarios
    scenarios.forEach(function (scenario, i) {
      var id = "scenario-" + scenario.scenario
      var radio = element("input", { type: "radio", name: "scenario", id: id, value: scenario.scenario })
      if (i === 0) radio.checked = true
      radio.addEventListener("change", function () { byId("cpf").value = scenario.cpf })
      var label = element("label", { for: id }, [
        element("span", { class: "name" }, [scenario.scenario]),
        element("code", {}, [scenario.cpf]),
        element("span", { class: "answers" }, ["Provider answers: ", inline(scenario.answers)]),
        element("span", { class: "gives" }, ["The check gives: ", inline(scenario.gives)])
      ])
      fieldset.appendChild(element("div", { class: "scenario" }, [radio, label]))
    })
    if (scenarios.length > 0) byId("cpf").value = scenarios[0].cpf
    byId("other-cpfs").textContent = "Any other valid CPF gives " + table.otherCpfs +
      "; with no subject, the fake SDK payload's scenario decides."
    var rules = table.plainImage
    byId("image-rules").textContent = "Plain images must be " +
      rules.formats.map(function (format) { return format.toUpperCase() }).join(", ") + ", at most " +
      Math.round(rules.maxBytes / 1024) + " KB, and at least " + rules.minLongSide + "x" + rules.minShortSide +
      " (either orientation): the provider refuses others (format, size, resolution)."
  }

  var loadScenarios = function () {
    fetch("/try/scenarios.json", { headers: { accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("the gateway answered " + response.status)
        return response.json()
      })
      .then(renderScenarios)
      .catch(function (error) {
        byId("scenarios-status").textContent = "The scenarios could not be loaded: " + error.message
      })
  }

  // -------------------------------------------------------------------------------------------------------------
  // Captures
  // -------------------------------------------------------------------------------------------------------------

  var showSource = function () {
    var source = selected("source")
    byId("file-panel").hidden = source !== "file"
    byId("camera-panel").hidden = source !== "camera"
    if (source !== "camera") stopCamera()
  }

  var base64Of = function (dataUrl) { return dataUrl.slice(dataUrl.indexOf(",") + 1) }

  var readFile = function (file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader()
      reader.onload = function () { resolve(base64Of(String(reader.result))) }
      reader.onerror = function () { reject(new UserError("The file could not be read.", byId("file"))) }
      reader.readAsDataURL(file)
    })
  }

  var startCamera = function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraStatus.textContent = "The camera needs a secure context: open this page on localhost or over https."
      return
    }
    cameraStatus.textContent = "Starting the camera…"
    navigator.mediaDevices.getUserMedia({ video: true, audio: false })
      .then(function (media) {
        stream = media
        video.srcObject = media
        video.hidden = false
        return video.play()
      })
      .then(function () {
        cameraStatus.textContent = "Camera on (" + video.videoWidth + "x" + video.videoHeight +
          "). Take a snapshot, then run the check."
        byId("camera-start").textContent = "Stop the camera"
      })
      .catch(function (error) {
        stopCamera()
        cameraStatus.textContent = "The camera could not start: " + (error && error.name ? error.name : error)
      })
  }

  var stopCamera = function () {
    if (stream !== null) stream.getTracks().forEach(function (track) { track.stop() })
    stream = null
    video.srcObject = null
    video.hidden = true
    byId("camera-start").textContent = "Start the camera"
  }

  var takeSnapshot = function () {
    if (stream === null || video.videoWidth === 0) {
      cameraStatus.textContent = "Start the camera first."
      return
    }
    var scale = Number(byId("snapshot-size").value)
    var canvas = document.createElement("canvas")
    canvas.width = Math.max(1, Math.round(video.videoWidth * scale))
    canvas.height = Math.max(1, Math.round(video.videoHeight * scale))
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height)
    var dataUrl = canvas.toDataURL("image/jpeg", 0.92)
    var size = canvas.width + "x" + canvas.height
    snapshot = { imageBase64: base64Of(dataUrl), label: "camera snapshot " + size }
    preview.src = dataUrl
    preview.hidden = false
    cameraStatus.textContent = "Snapshot taken: " + size + " JPEG, " +
      Math.ceil((snapshot.imageBase64.length * 3) / 4 / 1024) + " KB. Run the check to send it."
  }

  /** The capture of a new check: a fresh fake SDK payload, the chosen file, or the last snapshot. */
  var newCapture = function () {
    var source = selected("source")
    if (source === "file") {
      var file = byId("file").files[0]
      if (file === undefined) return Promise.reject(new UserError("Choose an image file first.", byId("file")))
      return readFile(file).then(function (imageBase64) {
        return { imageBase64: imageBase64, label: "file " + file.name }
      })
    }
    if (source === "camera") {
      if (snapshot === null) return Promise.reject(new UserError("Take a snapshot first.", byId("camera-snap")))
      return Promise.resolve(snapshot)
    }
    var scenario = selected("scenario")
    return fetch("/try/payloads", {
      method: "POST",
      headers: headers(true),
      body: JSON.stringify(scenario === undefined ? {} : { scenario: scenario })
    }).then(function (response) {
      return read(response, performance.now()).then(function (answer) {
        if (!answer.ok) throw answer
        return { imageBase64: answer.body.imageBase64, label: "fake SDK payload (" + (scenario || "no scenario") + ")" }
      })
    })
  }

  // -------------------------------------------------------------------------------------------------------------
  // Requests and answers
  // -------------------------------------------------------------------------------------------------------------

  /** A response, read once: status, body, request id, replay marker, attempts, time taken. */
  var read = function (response, started) {
    return response.text().then(function (text) {
      var body = null
      try {
        body = JSON.parse(text)
      } catch (ignored) {
        body = { title: "Not JSON", detail: text.slice(0, 200) }
      }
      return {
        ok: response.ok,
        status: response.status,
        body: body,
        requestId: response.headers.get("x-request-id"),
        replayed: response.headers.get("idempotent-replayed") === "true",
        attempts: response.headers.get("x-liveness-attempts"),
        millis: Math.round(performance.now() - started)
      }
    })
  }

  var row = function (list, field, term, value) {
    list.appendChild(element("dt", {}, [term]))
    list.appendChild(element("dd", { "data-field": field }, [value === undefined || value === null ? "—" : value]))
  }

  /** Renders an answer (a process or a problem) into a result area. */
  var render = function (area, answer) {
    var body = answer.body || {}
    area.replaceChildren()
    area.className = "result " + (answer.ok ? "ok" : "problem")
    var outcome = answer.ok ? body.verdict : body.title
    area.appendChild(element("p", { class: "outcome", "data-field": "outcome" }, [String(outcome)]))
    if (answer.replayed) {
      area.appendChild(element("p", { class: "replayed", "data-field": "replay-marker" }, [
        "Replayed: Idempotent-Replayed: true. The first answer, given again; nothing was sent to the provider."
      ]))
    }
    var list = element("dl")
    row(list, "http-status", "HTTP status", String(answer.status))
    if (answer.ok) {
      row(list, "verdict", "Verdict", body.verdict)
      row(list, "process-id", "Process id", body.id)
      row(list, "process-status", "Status, liveness", body.status + (body.liveness === undefined ? "" : ", " + body.liveness))
    } else {
      row(list, "title", "Problem", body.title)
      row(list, "detail", "Detail", body.detail)
      row(list, "type", "Type", body.type)
      row(list, "code", "Code", body.code)
      row(list, "provider-code", "Unico code", body.providerCode)
      if (body.reason !== undefined) row(list, "reason", "Reason", body.reason)
      if (Array.isArray(body.errors) && body.errors.length > 0) {
        row(list, "errors", "Fields", body.errors.map(function (issue) {
          return issue.field + ": " + issue.message
        }).join("; "))
      }
    }
    row(list, "replayed", "Replayed", answer.replayed ? "yes" : "no")
    row(list, "attempts", "Attempts", answer.attempts)
    row(list, "request-id", "Request id", answer.requestId)
    row(list, "time", "Time taken", answer.millis + " ms")
    area.appendChild(list)
  }

  /** Something went wrong before an answer (a network failure, a tester's mistake): said on the page. */
  var renderFailure = function (area, error) {
    if (error && typeof error.status === "number" && error.body) return render(area, error)
    area.replaceChildren()
    area.className = "result failed"
    area.appendChild(element("p", { class: "outcome", "data-field": "outcome", role: "alert" }, [
      error instanceof UserError ? error.message : "The request failed: " + (error && error.message ? error.message : error)
    ]))
    if (error instanceof UserError && error.control) error.control.focus()
  }

  var addHistory = function (label, subject, answer) {
    counter += 1
    history.unshift({ n: counter, label: label, subject: subject, answer: answer })
    history.length = Math.min(history.length, HISTORY_SIZE)
    var tbody = byId("history").querySelector("tbody")
    tbody.replaceChildren()
    history.forEach(function (entry) {
      var body = entry.answer.body || {}
      var id = entry.answer.ok ? body.id : undefined
      var readBack = ""
      if (id !== undefined) {
        readBack = element("button", { type: "button", "aria-label": "Read process " + id + " back" }, ["Read back"])
        readBack.addEventListener("click", function () {
          byId("process-id").value = id
          readProcess()
        })
      }
      var cells = [
        String(entry.n),
        entry.label,
        entry.subject === undefined ? "none" : entry.subject.code,
        entry.answer.status + " " + (entry.answer.ok ? body.verdict : body.title),
        entry.answer.replayed ? "replayed" : "",
        id === undefined ? "" : element("code", {}, [id]),
        entry.answer.attempts === null ? "" : entry.answer.attempts,
        entry.answer.millis + " ms",
        readBack
      ]
      tbody.appendChild(element("tr", {}, cells.map(function (cell) { return element("td", {}, [cell]) })))
    })
    byId("history").hidden = false
    byId("history-empty").hidden = true
  }

  var subjectOf = function () {
    var code = byId("cpf").value.trim()
    if (code === "") return undefined
    return { code: code, name: byId("name").value }
  }

  /** Sends a capture to POST /processes/v1 with the subject and key now in the form. */
  var send = function (capture, again) {
    var subject = subjectOf()
    var body = subject === undefined
      ? { imageBase64: capture.imageBase64 }
      : { subject: subject, imageBase64: capture.imageBase64 }
    var started = performance.now()
    return fetch("/processes/v1", { method: "POST", headers: headers(true), body: JSON.stringify(body) })
      .then(function (response) { return read(response, started) })
      .then(function (answer) {
        last = capture
        render(result, answer)
        addHistory(again ? capture.label + ", sent again" : capture.label, subject, answer)
      })
  }

  var busy = function (running) {
    checkButton.disabled = running
    againButton.disabled = running || last === null
    result.setAttribute("aria-busy", running ? "true" : "false")
  }

  var run = function (capture, again) {
    busy(true)
    return capture
      .then(function (made) { return send(made, again) })
      .catch(function (error) { renderFailure(result, error) })
      .then(function () { busy(false) })
  }

  var readProcess = function () {
    var area = byId("read-result")
    var id = byId("process-id").value.trim()
    if (id === "") return renderFailure(area, new UserError("Type a process id first.", byId("process-id")))
    var started = performance.now()
    area.setAttribute("aria-busy", "true")
    return fetch("/processes/v1/" + encodeURIComponent(id), { headers: headers(false) })
      .then(function (response) { return read(response, started) })
      .then(function (answer) { render(area, answer) })
      .catch(function (error) { renderFailure(area, error) })
      .then(function () { area.setAttribute("aria-busy", "false") })
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault()
    run(newCapture(), false)
  })
  againButton.addEventListener("click", function () {
    if (last !== null) run(Promise.resolve(last), true)
  })
  byId("read-form").addEventListener("submit", function (event) {
    event.preventDefault()
    readProcess()
  })
  Array.prototype.forEach.call(form.querySelectorAll("input[name=source]"), function (radio) {
    radio.addEventListener("change", showSource)
  })
  byId("camera-start").addEventListener("click", function () {
    if (stream === null) startCamera()
    else stopCamera()
  })
  byId("camera-snap").addEventListener("click", takeSnapshot)

  showSource()
  loadScenarios()
})()
`
