import Attestation
import Foundation
import Gateway
import GatewayAPI
import Hummingbird
import HummingbirdTLS
import NIOCore

/// How fast a server built the way the contract and the proof require can answer at all, before
/// any check is looked up, judged, audited or stored (release build):
///
///     swift run -c release ServerCeiling --certs /tmp/perf/certs --answer /tmp/perf/answer.json [--layers encode,sign,sm2] [--port 8444]
///
/// It serves `POST /v1/checks` with the gateway's own mutual-TLS configuration, reads each request's
/// body, and answers with one answer the gateway gave (`--answer`: a `POST /v1/checks` body), adding
/// the layers every real answer has:
/// - no layer: the stored bytes as they are (Hummingbird and TLS alone);
/// - `encode`: the answer encoded for each request by `JSONEncoder` with the settings the generated
///   OpenAPI server uses (``CheckStore/encoder``): the generated handler encodes every answer this way;
/// - `sign`: the gateway's ``SigningMiddleware`` (`Content-Digest` and an Ed25519 RFC 9421 signature
///   on every response);
/// - `sm2`: with `sign`, a second signature (`sig2`, SM2 over SM3) beside the Ed25519 one, as the
///   gateway signs with `signing.sm2` on.
///
/// Driven by `mtlsload` in the same run as `nginx-baseline.sh` (README, Benchmarks), the rates
/// bound what the full gateway can reach on the same machine.
struct Arguments {
    var certs = "certs"
    var answer = ""
    var layers: Set<String> = []
    var port = 8444

    init() {
        var it = CommandLine.arguments.dropFirst().makeIterator()
        while let flag = it.next() {
            let value = it.next() ?? ""
            switch flag {
            case "--certs": certs = value
            case "--answer": answer = value
            case "--layers": layers = Set(value.split(separator: ",").map(String.init))
            case "--port": port = Int(value) ?? port
            default: fatalError("unknown argument \(flag)")
            }
        }
        guard !answer.isEmpty, layers.isSubset(of: ["encode", "sign", "sm2"]) else {
            fatalError("usage: ServerCeiling --certs DIR --answer FILE [--layers encode,sign,sm2] [--port N]")
        }
    }
}

let arguments = Arguments()
let stored = try Data(contentsOf: URL(fileURLWithPath: arguments.answer))
let answer = try CheckStore.decoder.decode(Components.Schemas.CheckResult.self, from: stored)
let encoder = CheckStore.encoder
let encodes = arguments.layers.contains("encode")

var configuration = GatewayConfiguration()
configuration.certificate = "\(arguments.certs)/server.pem"
configuration.privateKey = "\(arguments.certs)/server-key.pem"
configuration.caBundle = "\(arguments.certs)/ca.pem"
configuration.port = arguments.port
configuration.signsWithSM2 = arguments.layers.contains("sm2")

let router = Router(context: GatewayRequestContext.self)
if arguments.layers.contains("sign") {
    let keys: [any SigningKey] = [Ed25519SigningKey()] + (configuration.signsWithSM2 ? [try SM2SigningKey()] : [])
    let signers = MessageSigners(keys.map { MessageSigner(key: $0, tag: "creditgate") })
    router.add(middleware: SigningMiddleware { signers })
}
router.post("/v1/checks") { request, _ -> Response in
    _ = try await request.body.collect(upTo: 1 << 20)
    let body = encodes ? try encoder.encode(answer) : stored
    return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(data: body)))
}
let app = Application(
    router: router,
    server: try .tls(.http1(), tlsConfiguration: try GatewayApplication.tlsConfiguration(configuration)),
    configuration: .init(address: .hostname(configuration.host, port: configuration.port)))
print("serving on https://127.0.0.1:\(configuration.port) with layers: \(arguments.layers.sorted().joined(separator: ",").isEmpty ? "none" : arguments.layers.sorted().joined(separator: ","))")
try await app.runService()
