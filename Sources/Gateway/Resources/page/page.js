// The page: the log and the archive as the public listener shows them, and the receipt checker.
// Every figure is fetched after the first paint, so a log of millions of entries does not delay it.
"use strict";

(function () {
  var V = CreditGateVerify, C = CreditGateCharts;
  var params = new URLSearchParams(location.search);
  var language = params.get("lang") || localStorage.getItem("creditgate.lang") || (/^zh/i.test(navigator.language) ? "zh" : "en");
  var state = { keys: null, droppedKeys: null, online: /^https?:$/.test(location.protocol), witnesses: [], growth: null, imports: null };

  function $(id) { return document.getElementById(id); }
  /// A step with nothing to check (no witness cosigned, none required): shown, neither green nor red.
  function Skipped(code) { this.code = code; }
  function words() { return CreditGateText[language] || CreditGateText.en; }

  function translate() {
    document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      var text = words()[node.getAttribute("data-i18n")];
      if (typeof text === "string") node.textContent = text;
    });
    document.title = words().title;
    if (state.report) renderReport(state.report);
    drawCharts();
  }

  async function fetchText(path) {
    var response = await fetch(path, { cache: "no-store" });
    if (!response.ok) {
      var failure = new Error(path + ": " + response.status);
      failure.status = response.status;
      throw failure;
    }
    return response.text();
  }

  async function fetchJSON(path) { return JSON.parse(await fetchText(path)); }

  function text(id, value) { $(id).textContent = value; }

  // MARK: What the gateway publishes

  async function loadKeys() {
    var set = await fetchJSON("/v1/keys");
    state.keys = set.keys;
    var list = $("keys-list");
    list.textContent = "";
    set.keys.forEach(function (key, index) {
      var item = document.createElement("li");
      var code = document.createElement("code");
      code.textContent = key.kid;
      item.appendChild(code);
      item.appendChild(document.createTextNode("  " + (key.crv || key.kty) + (index === 0 ? "  ★" : "")));
      list.appendChild(item);
    });
  }

  async function loadCheckpoint() {
    var note = await fetchText("/v1/audit/checkpoint");
    var lines = note.split("\n");
    text("log-size", Number(lines[1]).toLocaleString());
    text("log-origin", lines[0]);
    text("log-root", lines[2]);
    var cosigned = [];
    try {
      var witnessed = await V.openCheckpoint(await fetchText("/v1/audit/checkpoint/cosigned"), state.keys);
      cosigned = (await V.cosigners(witnessed, witnessKeys())).map(function (w) { return w.name + " (" + witnessed.size.toLocaleString() + ")"; });
    } catch (error) { /* no witness yet */ }
    text("log-witnesses", cosigned.length ? cosigned.join(", ") : "0");
  }

  async function loadWitnesses() {
    try {
      state.witnesses = (await fetchJSON("/v1/audit/witnesses")).witnesses.map(function (w) { return w.verifierKey; });
    } catch (error) {
      state.witnesses = [];
    }
    if (!$("witness-keys").value.trim()) $("witness-keys").value = state.witnesses.join("\n");
  }

  function witnessKeys() {
    return $("witness-keys").value.split(/\s+/).filter(Boolean);
  }

  async function loadArchive() {
    var status = await fetchJSON("/v1/archive/status");
    text("archive-version", status.archive.version);
    text("archive-defaulters", status.defaulterEntries.toLocaleString());
    text("archive-records", status.records.toLocaleString());
    text("archive-imports", status.imports.toLocaleString());
    state.imports = (await fetchJSON("/v1/archive/imports?limit=60")).imports;
    var body = $("imports-table");
    body.textContent = "";
    state.imports.slice(0, 10).forEach(function (item) {
      var row = document.createElement("tr");
      [C.day(item.importedAt), item.kind, item.source, item.accepted.toLocaleString(), item.rejected.toLocaleString()].forEach(function (value) {
        var cell = document.createElement("td");
        cell.textContent = value;
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    drawCharts();
  }

  async function loadGrowth() {
    state.growth = (await fetchJSON("/v1/audit/growth?points=60")).points;
    drawCharts();
  }

  function drawCharts() {
    if (state.growth) {
      $("growth-chart").textContent = "";
      $("growth-chart").appendChild(C.line(state.growth.map(function (p) { return { x: new Date(p.time), y: p.size }; }), words()["log.growth"]));
    }
    if (state.imports) {
      $("imports-chart").textContent = "";
      var oldestFirst = state.imports.slice().reverse();
      $("imports-chart").appendChild(C.bars(oldestFirst.map(function (i) { return { label: "#" + i.sequence + " " + C.day(i.importedAt), value: i.accepted }; }), words()["archive.history"]));
    }
  }

  // MARK: Verifying a receipt

  /// Runs every step; a step that fails does not stop the others, so a person sees which part of
  /// the evidence is wrong.
  async function verify(bytes) {
    var report = { steps: [], answers: [] };
    if (state.ready) await state.ready.catch(function () {});
    var keys = state.droppedKeys || state.keys;
    function step(name, status, code, detail) { report.steps.push({ name: name, status: status, code: code, detail: detail }); }
    async function run(name, body) {
      try {
        var result = await body();
        step(name, "pass", name, result);
        return result;
      } catch (error) {
        if (error instanceof Skipped) step(name, "skip", error.code);
        else if (error instanceof V.Failure) step(name, "fail", error.code, error.detail);
        else step(name, "fail", "internal", String(error && error.message || error));
        return null;
      }
    }
    var receipt;
    try {
      receipt = V.parseReceipt(bytes);
    } catch (error) {
      step("digest", "fail", "receipt.malformed");
      return report;
    }
    if (!keys) {
      step("signature", "fail", "keys.none");
      return report;
    }
    await run("digest", function () { return V.checkDigest(receipt); });
    await run("signature", function () { return V.checkSignature(receipt, keys); });
    try { report.answers = V.answers(receipt); } catch (error) { report.answers = []; }
    var proven = await run("proofs", function () {
      if (!report.answers.length) V.answers(receipt);
      return V.checkProofs(report.answers, keys);
    });
    if (proven && state.online && !state.droppedKeys) {
      var current = await run("consistency", async function () {
        var now = await V.checkConsistency(proven.checkpoint, keys, fetchText, fetchJSON);
        return { receiptSize: proven.checkpoint.size, currentSize: now.size, checkpoint: now };
      });
      if (current) {
        var required = Number($("witness-required").value) || 0;
        await run("witnesses", async function () {
          var witnessed = await V.checkWitnessed(proven.checkpoint, keys, witnessKeys(), required, fetchText, fetchJSON);
          if (!witnessed.cosigners.length) throw new Skipped("witnesses.none");
          return witnessed;
        });
      }
    } else if (proven) {
      step("consistency", "skip", "consistency.offline");
    }
    return report;
  }

  function renderReport(report) {
    state.report = report;
    var list = $("steps");
    list.textContent = "";
    report.steps.forEach(function (s) {
      var item = document.createElement("li");
      item.className = "step " + s.status;
      item.setAttribute("data-step", s.name);
      item.setAttribute("data-code", s.code);
      var title = document.createElement("strong");
      title.textContent = (s.status === "pass" ? "✓ " : s.status === "fail" ? "✗ " : "– ") + words()["step." + s.name];
      var explanation = document.createElement("span");
      var message = s.status === "pass" ? words().ok[s.name] : (words().fail[s.code] || words().ok[s.name]);
      explanation.textContent = message ? message(s.detail) : s.code;
      item.appendChild(title);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(explanation);
      list.appendChild(item);
    });
    var passed = report.steps.length > 0 && report.steps.every(function (s) { return s.status !== "fail"; });
    var verdict = $("verdict");
    verdict.className = "verdict " + (passed ? "pass" : "fail");
    verdict.setAttribute("data-outcome", passed ? "pass" : "fail");
    verdict.textContent = words()[passed ? "verify.passed" : "verify.failed"];
    renderAnswer(report.answers[0]);
  }

  function renderAnswer(answer) {
    var box = $("answer");
    box.hidden = !answer;
    if (!answer) return;
    text("answer-candidate", answer.candidate ? answer.candidate.maskedId : (answer.maskedId || "–"));
    text("answer-decision", answer.decision ? (words()["decision." + answer.decision] || answer.decision) : "–");
    var reasons = $("answer-reasons");
    reasons.textContent = "";
    (answer.reasons || []).forEach(function (reason) {
      var item = document.createElement("li");
      item.textContent = reason.ruleId + " · " + reason.title + " (" + reason.basis + ")";
      reasons.appendChild(item);
    });
    if (!(answer.reasons || []).length) {
      var none = document.createElement("li");
      none.textContent = words()["answer.none"];
      reasons.appendChild(none);
    }
    text("answer-policy", answer.policy ? answer.policy.name + " " + answer.policy.version : "–");
    text("answer-archive", answer.archive ? answer.archive.version : "–");
  }

  async function verifyBytes(bytes) {
    $("verdict").className = "verdict pending";
    $("verdict").setAttribute("data-outcome", "pending");
    renderReport(await verify(bytes));
  }

  /// Dropped files: a JWK Set (keys.json) is kept as the keys; anything else is a receipt.
  async function takeFiles(files) {
    var receipts = [];
    for (var i = 0; i < files.length; i++) {
      var bytes = new Uint8Array(await files[i].arrayBuffer());
      var head = new TextDecoder().decode(bytes.subarray(0, 64));
      if (/^\s*\{/.test(head)) {
        try { state.droppedKeys = JSON.parse(new TextDecoder().decode(bytes)).keys; continue; } catch (error) { /* a receipt after all */ }
      }
      receipts.push(bytes);
    }
    if (receipts.length) await verifyBytes(receipts[0]);
    // Cleared, so that choosing the same file again checks it again.
    $("file").value = "";
  }

  function wire() {
    var drop = $("drop");
    drop.addEventListener("dragover", function (event) { event.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      drop.classList.remove("over");
      takeFiles(event.dataTransfer.files);
    });
    drop.addEventListener("click", function () { $("file").click(); });
    drop.addEventListener("keydown", function (event) { if (event.key === "Enter" || event.key === " ") $("file").click(); });
    $("file").addEventListener("change", function () { takeFiles($("file").files); });
    $("verify").addEventListener("click", function () {
      verifyBytes(new TextEncoder().encode($("paste").value.replace(/\r\n/g, "\n")));
    });
    $("language").addEventListener("click", function () {
      language = language === "zh" ? "en" : "zh";
      localStorage.setItem("creditgate.lang", language);
      translate();
    });
    if (params.get("witnesses")) $("witness-required").value = params.get("witnesses");
  }

  wire();
  translate();
  if (state.online) {
    // A receipt dropped before the keys and witnesses have come waits for them.
    state.ready = loadKeys().then(loadWitnesses);
    state.ready.then(loadCheckpoint).catch(function () { text("status", words().offline); });
    loadGrowth().catch(function () {});
    loadArchive().catch(function () {});
  } else {
    text("status", words().offline);
  }
  window.CreditGatePage = { verifyBytes: verifyBytes };
})();
