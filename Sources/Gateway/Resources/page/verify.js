// Checks a CreditGate receipt in the browser, with WebCrypto only: nothing leaves the page.
//
// The same steps as `credit verify` (CreditClient's ReceiptVerifier), from the same standards:
//   1. Content-Digest (RFC 9530): the body is the one that was signed;
//   2. the RFC 9421 response signature (Ed25519) over status, type, digest, method and path,
//      with a key of the published JWK Set;
//   3. every audit inclusion proof (RFC 9162 §2.1.3.2) under its checkpoint, a C2SP signed note
//      whose Ed25519 signature is checked with the same keys;
//   4. online: the consistency (RFC 9162 §2.1.4.2) of that checkpoint with the log's current one,
//      and the witnesses' cosignatures on it (C2SP tlog-cosignature).
// Classic script (no module): a saved copy of the page opens from a file too.
"use strict";

var CreditGateVerify = (function () {
  var encoder = new TextEncoder();

  function base64ToBytes(text) {
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function bytesToBase64(bytes) {
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary);
  }

  function base64urlToBytes(text) {
    var padded = text.replace(/-/g, "+").replace(/_/g, "/");
    while (padded.length % 4) padded += "=";
    return base64ToBytes(padded);
  }

  function concat() {
    var length = 0;
    for (var i = 0; i < arguments.length; i++) length += arguments[i].length;
    var out = new Uint8Array(length), offset = 0;
    for (var j = 0; j < arguments.length; j++) { out.set(arguments[j], offset); offset += arguments[j].length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  /// A failed step: `code` names the message the page shows (i18n.js), `detail` the particulars.
  function Failure(code, detail) {
    this.code = code;
    this.detail = detail || "";
  }

  // MARK: The receipt file

  /// "CreditGate receipt 1", the request line, the status, headers, a blank line, the body's bytes.
  function parseReceipt(bytes) {
    var lines = [], start = 0, bodyStart = -1;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0x0a) continue;
      var line = new TextDecoder().decode(bytes.subarray(start, i));
      start = i + 1;
      if (line === "") { bodyStart = start; break; }
      lines.push(line);
    }
    if (bodyStart < 0 || lines.length < 3 || lines[0] !== "CreditGate receipt 1") throw new Failure("receipt.malformed");
    var request = lines[1].split(" ");
    var status = parseInt(lines[2], 10);
    if (request.length !== 2 || String(status) !== lines[2]) throw new Failure("receipt.malformed");
    var headers = {};
    for (var h = 3; h < lines.length; h++) {
      var colon = lines[h].indexOf(":");
      if (colon < 0) throw new Failure("receipt.malformed");
      var name = lines[h].slice(0, colon).toLowerCase();
      if (!(name in headers)) headers[name] = lines[h].slice(colon + 1).trim();
    }
    return { method: request[0], url: request[1], status: status, headers: headers, body: bytes.subarray(bodyStart) };
  }

  // MARK: Structured fields (RFC 8941), as far as these headers need

  /// Splits a dictionary into its members at top-level commas: `label=value` pairs.
  function dictionary(text) {
    var members = {}, depth = 0, quoted = false, start = 0;
    function take(end) {
      var member = text.slice(start, end).trim();
      var equals = member.indexOf("=");
      if (equals > 0) members[member.slice(0, equals)] = member.slice(equals + 1);
    }
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (quoted) { if (c === "\\") i++; else if (c === '"') quoted = false; continue; }
      if (c === '"') quoted = true;
      else if (c === "(") depth++;
      else if (c === ")") depth--;
      else if (c === "," && depth === 0) { take(i); start = i + 1; }
    }
    take(text.length);
    return members;
  }

  /// `("@status" "content-type" …);created=…;keyid="…"`: the components and the parameters.
  function signatureParams(value) {
    var close = value.indexOf(")");
    if (value[0] !== "(" || close < 0) throw new Failure("signature.malformed");
    var components = value.slice(1, close).trim().split(/\s+/).filter(Boolean);
    var params = {};
    value.slice(close + 1).split(";").forEach(function (part) {
      var equals = part.indexOf("=");
      if (equals > 0) params[part.slice(0, equals)] = part.slice(equals + 1).replace(/^"|"$/g, "");
    });
    return { components: components, params: params };
  }

  // MARK: 1. Content-Digest

  async function checkDigest(receipt) {
    var members = dictionary(receipt.headers["content-digest"] || "");
    var given = members["sha-256"] || members["sha-512"];
    if (!given) throw new Failure("digest.missing");
    var algorithm = members["sha-256"] ? "SHA-256" : "SHA-512";
    var expected = base64ToBytes(given.replace(/^:|:$/g, ""));
    var actual = new Uint8Array(await crypto.subtle.digest(algorithm, receipt.body));
    if (!equal(expected, actual)) throw new Failure("digest.mismatch", algorithm);
    return { algorithm: algorithm, bytes: receipt.body.length };
  }

  // MARK: 2. The RFC 9421 signature

  function componentValue(component, receipt, url) {
    var name = component.replace(/;req$/, "").replace(/^"|"$/g, "");
    var fromRequest = /;req$/.test(component);
    if (name === "@status" && !fromRequest) return String(receipt.status);
    if (name === "@method" && fromRequest) return receipt.method.toUpperCase();
    if (name === "@path" && fromRequest) return url.pathname || "/";
    if (name === "@authority" && fromRequest) return url.host.toLowerCase();
    if (name === "@query" && fromRequest) return url.search || "?";
    if (!fromRequest && name[0] !== "@" && name in receipt.headers) return receipt.headers[name];
    throw new Failure("signature.component", component);
  }

  /// The signature base (RFC 9421 §2.5), with `@signature-params` exactly as the sender wrote it.
  function signatureBase(receipt, value) {
    var parsed = signatureParams(value);
    var url = new URL(receipt.url);
    var lines = parsed.components.map(function (component) {
      return component + ": " + componentValue(component, receipt, url);
    });
    lines.push('"@signature-params": ' + value);
    return { base: lines.join("\n"), parsed: parsed };
  }

  async function ed25519Key(jwk) {
    return crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
  }

  /// Every Ed25519 signature must verify, and there must be one; an SM2 one beside it is reported
  /// as left to `credit verify` (WebCrypto has no SM2).
  async function checkSignature(receipt, keys) {
    var inputs = dictionary(receipt.headers["signature-input"] || "");
    var signatures = dictionary(receipt.headers["signature"] || "");
    var labels = Object.keys(inputs);
    if (labels.length === 0) throw new Failure("signature.missing");
    var verified = [], skipped = [];
    for (var i = 0; i < labels.length; i++) {
      var label = labels[i];
      var made = signatureBase(receipt, inputs[label]);
      var params = made.parsed.params;
      if (params.tag !== "creditgate") throw new Failure("signature.tag", label);
      var required = ['"@status"', '"content-type"', '"content-digest"', '"@method";req', '"@path";req'];
      for (var r = 0; r < required.length; r++) {
        if (made.parsed.components.indexOf(required[r]) < 0) throw new Failure("signature.coverage", required[r]);
      }
      if (params.alg && params.alg !== "ed25519") { skipped.push(params.alg); continue; }
      var jwk = keys.filter(function (key) { return key.kid === params.keyid; })[0];
      if (!jwk) throw new Failure("signature.unknown-key", params.keyid);
      var signature;
      try { signature = base64ToBytes((signatures[label] || "").replace(/^:|:$/g, "")); } catch (error) { throw new Failure("signature.malformed"); }
      var ok = signature.length === 64 && await crypto.subtle.verify({ name: "Ed25519" }, await ed25519Key(jwk), signature, encoder.encode(made.base));
      if (!ok) throw new Failure("signature.invalid", params.keyid);
      verified.push({ keyid: params.keyid, created: Number(params.created) });
    }
    if (verified.length === 0) throw new Failure("signature.no-ed25519");
    return { verified: verified, skipped: skipped };
  }

  // MARK: 3. Signed notes and checkpoints (C2SP signed-note, tlog-checkpoint)

  /// A note's text and its signature lines `— name base64(keyID ‖ signature)`.
  function parseNote(note) {
    var split = note.lastIndexOf("\n\n");
    if (split < 0 || note[note.length - 1] !== "\n") throw new Failure("checkpoint.malformed");
    var text = note.slice(0, split + 1);
    var signatures = note.slice(split + 2, -1).split("\n").map(function (line) {
      var fields = line.replace(/^\u2014 /, "").split(" ");
      if (line.indexOf("\u2014 ") !== 0 || fields.length !== 2) throw new Failure("checkpoint.malformed");
      return { name: fields[0], bytes: base64ToBytes(fields[1]) };
    });
    return { text: text, signatures: signatures };
  }

  function parseCheckpoint(text) {
    var lines = text.slice(0, -1).split("\n");
    var size = Number(lines[1]);
    if (lines.length < 3 || !lines[0] || String(size) !== lines[1]) throw new Failure("checkpoint.malformed");
    return { origin: lines[0], size: size, root: base64ToBytes(lines[2]) };
  }

  /// SHA-256(name ‖ "\n" ‖ type ‖ public key)[:4]: 0x01 for a log's Ed25519 key, 0x04 for a
  /// witness's Ed25519 cosignature key.
  async function keyID(name, type, publicKey) {
    return (await sha256(concat(encoder.encode(name + "\n"), new Uint8Array([type]), publicKey))).subarray(0, 4);
  }

  /// Opens a signed checkpoint with the published keys: at least one Ed25519 signature of the
  /// origin by a known key, and none by a known key that fails.
  async function openCheckpoint(note, keys) {
    var parsed = parseNote(note);
    var checkpoint = parseCheckpoint(parsed.text);
    var signed = 0;
    for (var k = 0; k < keys.length; k++) {
      if (keys[k].crv !== "Ed25519") continue;
      var publicKey = base64urlToBytes(keys[k].x);
      var id = await keyID(checkpoint.origin, 0x01, publicKey);
      for (var s = 0; s < parsed.signatures.length; s++) {
        var line = parsed.signatures[s];
        if (line.name !== checkpoint.origin || !equal(line.bytes.subarray(0, 4), id)) continue;
        var key = await ed25519Key(keys[k]);
        if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, line.bytes.subarray(4), encoder.encode(parsed.text)))) {
          throw new Failure("checkpoint.invalid", checkpoint.origin);
        }
        signed++;
      }
    }
    if (signed === 0) throw new Failure("checkpoint.unsigned", checkpoint.origin);
    checkpoint.note = note;
    checkpoint.text = parsed.text;
    checkpoint.signatures = parsed.signatures;
    return checkpoint;
  }

  /// The witnesses (vkeys `name+id+base64(0x04 ‖ key)`) whose cosignature on the checkpoint
  /// verifies: `cosignature/v1\ntime T\n` ‖ the checkpoint text, signed with timestamp T.
  async function cosigners(checkpoint, witnessKeys) {
    var found = [];
    for (var w = 0; w < witnessKeys.length; w++) {
      // name+id+base64: the base64 may itself hold "+", so only the first two separate.
      var first = witnessKeys[w].indexOf("+"), second = witnessKeys[w].indexOf("+", first + 1);
      if (first < 1 || second < 0) continue;
      var parts = [witnessKeys[w].slice(0, first), witnessKeys[w].slice(first + 1, second), witnessKeys[w].slice(second + 1)];
      var raw = base64ToBytes(parts[2]);
      if (raw.length !== 33 || raw[0] !== 0x04) continue;
      var id = await keyID(parts[0], 0x04, raw.subarray(1));
      var hex = Array.prototype.map.call(id, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
      if (hex !== parts[1]) continue;
      for (var s = 0; s < checkpoint.signatures.length; s++) {
        var line = checkpoint.signatures[s];
        if (line.name !== parts[0] || line.bytes.length !== 76 || !equal(line.bytes.subarray(0, 4), id)) continue;
        var time = 0;
        for (var b = 4; b < 12; b++) time = time * 256 + line.bytes[b];
        var message = encoder.encode("cosignature/v1\ntime " + time + "\n" + checkpoint.text);
        var key = await crypto.subtle.importKey("raw", raw.subarray(1), { name: "Ed25519" }, false, ["verify"]);
        if (await crypto.subtle.verify({ name: "Ed25519" }, key, line.bytes.subarray(12), message)) {
          found.push({ name: parts[0], time: time });
        }
      }
    }
    return found;
  }

  // MARK: RFC 9162 Merkle proofs

  async function node(left, right) {
    return sha256(concat(new Uint8Array([1]), left, right));
  }

  /// RFC 9162 §2.1.3.2.
  async function verifyInclusion(index, size, leaf, proof, root) {
    if (index >= size) return false;
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < proof.length; i++) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await node(proof[i], r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await node(r, proof[i]);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(r, root);
  }

  /// RFC 9162 §2.1.4.2.
  async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
    if (first > second) return false;
    if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
    if (first === 0) return proof.length === 0;
    var path = proof.slice();
    if ((first & (first - 1)) === 0 && first < 2147483648) path.unshift(firstRoot);
    if (path.length === 0) return false;
    var fn = first - 1, sn = second - 1;
    while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    var fr = path[0], sr = path[0];
    for (var i = 1; i < path.length; i++) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        fr = await node(path[i], fr);
        sr = await node(path[i], sr);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        sr = await node(sr, path[i]);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return equal(fr, firstRoot) && equal(sr, secondRoot) && sn === 0;
  }

  // MARK: 3. The answers' audit proofs

  /// The audit receipts a body carries: `audit` (a check, a disposition, an archive change),
  /// `result.audit` (a stored check), `items[].result.audit` (an inline batch), one per NDJSON line.
  function answers(receipt) {
    var text = new TextDecoder().decode(receipt.body);
    var type = (receipt.headers["content-type"] || "").toLowerCase();
    var documents = [];
    try {
      if (type.indexOf("application/x-ndjson") === 0) {
        text.split("\n").forEach(function (line) { if (line.trim()) documents.push(JSON.parse(line)); });
      } else if (type.indexOf("application/json") === 0) {
        documents.push(JSON.parse(text));
      }
    } catch (error) {
      throw new Failure("body.unreadable");
    }
    var found = [];
    documents.forEach(function (document) {
      [document, document.result].forEach(function (answer) { if (answer && answer.audit) found.push(answer); });
      (document.items || []).forEach(function (item) { if (item.result && item.result.audit) found.push(item.result); });
    });
    return found;
  }

  async function checkProofs(list, keys) {
    if (list.length === 0) throw new Failure("proofs.none");
    var opened = {}, newest = null;
    for (var i = 0; i < list.length; i++) {
      var audit = list[i].audit;
      var checkpoint = opened[audit.checkpoint];
      if (!checkpoint) {
        checkpoint = await openCheckpoint(audit.checkpoint, keys);
        opened[audit.checkpoint] = checkpoint;
      }
      if (checkpoint.size !== Number(audit.treeSize)) {
        throw new Failure("proofs.other-checkpoint", { index: audit.logIndex, proofSize: audit.treeSize, checkpointSize: checkpoint.size });
      }
      var included = await verifyInclusion(Number(audit.logIndex), Number(audit.treeSize), base64ToBytes(audit.leafHash),
        audit.inclusionProof.map(base64ToBytes), checkpoint.root);
      if (!included) throw new Failure("proofs.not-included", { index: audit.logIndex, checkpointSize: checkpoint.size });
      if (!newest || newest.size < checkpoint.size) newest = checkpoint;
    }
    return { count: list.length, checkpoint: newest };
  }

  // MARK: 4. Online: the log as it is now

  /// `fetchJSON(path)` and `fetchText(path)` ask the gateway that served the page.
  async function checkConsistency(checkpoint, keys, fetchText, fetchJSON) {
    var current = await openCheckpoint(await fetchText("/v1/audit/checkpoint"), keys);
    if (current.origin !== checkpoint.origin) throw new Failure("consistency.origin", current.origin);
    if (!(await extends_(current, checkpoint, fetchJSON))) {
      throw new Failure("consistency.forked", { receiptSize: checkpoint.size, currentSize: current.size });
    }
    return current;
  }

  /// Whether `later` extends `earlier` (the gateway's consistency proof between their sizes,
  /// checked here; the same size must be the same root). Named with a trailing _ : `extends` is reserved.
  async function extends_(later, earlier, fetchJSON) {
    if (later.size < earlier.size) return false;
    var proof = [];
    if (later.size > earlier.size) {
      proof = (await fetchJSON("/v1/audit/proofs/consistency?from=" + earlier.size + "&to=" + later.size)).proof.map(base64ToBytes);
    }
    return verifyConsistency(earlier.size, later.size, earlier.root, later.root, proof);
  }

  /// The witnesses' view: the log's cosigned checkpoint must be signed by the log, cosigned by
  /// at least `required` of `witnessKeys`, cover the receipt's checkpoint and be consistent with it.
  async function checkWitnessed(checkpoint, keys, witnessKeys, required, fetchText, fetchJSON) {
    var note;
    try {
      note = await fetchText("/v1/audit/checkpoint/cosigned");
    } catch (error) {
      // 404: no witness has cosigned yet. Anything else (offline, rate-limited) is not an answer.
      if (error.status !== 404) throw new Failure("witnesses.unreachable", String(error.message || error));
      note = null;
    }
    if (!note) {
      if (required > 0) throw new Failure("witnesses.too-few", { required: required, found: 0 });
      return { cosigners: [], size: 0 };
    }
    var witnessed = await openCheckpoint(note, keys);
    var found = await cosigners(witnessed, witnessKeys);
    if (found.length < required) throw new Failure("witnesses.too-few", { required: required, found: found.length });
    if (!found.length) return { cosigners: [], size: witnessed.size };
    if (witnessed.size < checkpoint.size) throw new Failure("witnesses.not-yet", { receiptSize: checkpoint.size, witnessedSize: witnessed.size });
    if (!(await extends_(witnessed, checkpoint, fetchJSON))) {
      throw new Failure("witnesses.forked", { receiptSize: checkpoint.size, witnessedSize: witnessed.size });
    }
    return { cosigners: found, size: witnessed.size };
  }

  return {
    Failure: Failure,
    checkWitnessed: checkWitnessed,
    parseReceipt: parseReceipt,
    checkDigest: checkDigest,
    checkSignature: checkSignature,
    answers: answers,
    checkProofs: checkProofs,
    checkConsistency: checkConsistency,
    openCheckpoint: openCheckpoint,
    cosigners: cosigners,
    verifyInclusion: verifyInclusion,
    verifyConsistency: verifyConsistency,
    base64ToBytes: base64ToBytes,
    bytesToBase64: bytesToBase64,
  };
})();

if (typeof module !== "undefined") module.exports = CreditGateVerify;
