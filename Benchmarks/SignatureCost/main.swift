import Attestation
import Foundation

/// What one signature and one verification cost, per algorithm, on a response's real signature
/// base (release build):
///
///     swift run -c release SignatureCost [--seconds 3]
///
/// Ed25519 (swift-crypto) against SM2 over SM3 (the system OpenSSL, through ``SM2SigningKey``),
/// and a whole response's `Content-Digest` and signatures as ``SigningMiddleware`` makes them:
/// Ed25519 alone against Ed25519 and SM2. Each figure is the mean over
/// as many rounds as fit in the time given, after a warm-up.
let seconds = CommandLine.arguments.firstIndex(of: "--seconds").flatMap { Double(CommandLine.arguments[$0 + 1]) } ?? 3

/// A typical answer (1.1 KiB) and the request it answers.
let body = Array(String(repeating: #"{"decision":"CLEAR","reasons":[],"policy":"civil-service-2026"}"#, count: 17).utf8)
func message() -> MessageComponents {
    MessageComponents(
        response: .init(status: 200, headers: [("content-type", "application/json"), ("content-digest", ContentDigest.header(for: body))]),
        request: .init(method: "POST", target: "/v1/checks", authority: "localhost:8443"))
}
let (base, _) = try SignatureBase.make(message(), components: MessageSigner.responseComponents, parameters: ";created=1764000000")
let baseBytes = Array(base.utf8)

/// Mean microseconds per call of `body`, run for `seconds` after a warm-up of a tenth of that.
func measure(_ name: String, _ body: () throws -> Void) rethrows {
    var calls = 0
    let warmUp = Date()
    while Date().timeIntervalSince(warmUp) < seconds / 10 { try body() }
    let start = DispatchTime.now().uptimeNanoseconds
    let deadline = start + UInt64(seconds * 1e9)
    while DispatchTime.now().uptimeNanoseconds < deadline {
        try body()
        calls += 1
    }
    let micros = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(calls)
    print(name.padding(toLength: 52, withPad: " ", startingAt: 0) + String(format: "%9.1f µs  (%d calls)", micros, calls))
}

let ed25519 = Ed25519SigningKey(), sm2 = try SM2SigningKey()
let ed25519Signature = try ed25519.signature(for: baseBytes), sm2Signature = try sm2.signature(for: baseBytes)
print("signature base: \(baseBytes.count) bytes; body: \(body.count) bytes")
try measure("Ed25519 sign") { _ = try ed25519.signature(for: baseBytes) }
measure("Ed25519 verify") { precondition(ed25519.publicKey.isValidSignature(ed25519Signature, for: baseBytes)) }
try measure("SM2 (SM3, default user ID) sign") { _ = try sm2.signature(for: baseBytes) }
measure("SM2 (SM3, default user ID) verify") { precondition(sm2.publicKey.isValidSignature(sm2Signature, for: baseBytes)) }
measure("SHA-256 of the body (Content-Digest)") { _ = ContentDigest.header(for: body) }
measure("SM3 of the body") { _ = SM3.hash(body) }
let single = MessageSigners([MessageSigner(key: ed25519, tag: "creditgate")])
let dual = MessageSigners([MessageSigner(key: ed25519, tag: "creditgate"), MessageSigner(key: sm2, tag: "creditgate")])
try measure("a response, Ed25519 only (digest + sig)") {
    _ = try single.sign(message(), covering: MessageSigner.responseComponents, created: 1_764_000_000)
}
try measure("a response, dual-signed (digest + sig + sig2)") {
    _ = try dual.sign(message(), covering: MessageSigner.responseComponents, created: 1_764_000_000)
}
