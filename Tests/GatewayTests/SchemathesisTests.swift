import Foundation
import Gateway
import Testing

/// The contract tells the truth: schemathesis (PyPI) generates requests from `openapi.yaml` (every
/// phase: examples, coverage, fuzzing, stateful) and runs every check on what the test gateway
/// answers, as a client registered with every role. What JSON Schema cannot state is allowed,
/// operation by operation, in `schemathesis.toml` at the repository root, never by turning a
/// check off. Bounded (`--max-examples`) and seeded, so a run takes a minute or two.
@Suite("Contract fuzzing")
struct SchemathesisTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(.enabled(if: PythonTools.enabled("schemathesis"), "needs schemathesis (pip install schemathesis)"))
    func schemathesisFindsNothing() async throws {
        let gateway = try await TestGateway { configuration, pki in
            var registry = try JSONDecoder().decode(ClientRegistry.File.self, from: Data(contentsOf: pki.registry))
            for index in registry.clients.indices where registry.clients[index].id.hasPrefix("bureau") {
                registry.clients[index].roles = Set(Role.allCases)
            }
            try JSONEncoder().encode(registry).write(to: pki.registry, options: .atomic)
            // Fuzzing sends hundreds of requests a second; the limit's own answer (429) is in the contract.
            configuration.ratePerSecond = 100_000
            configuration.rateBurst = 100_000
        }
        let bureau = try #require(gateway.pki.clients["bureau"])
        let folder = gateway.folder.appendingPathComponent("schemathesis")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // The repository's schemathesis.toml, by path: the run works in a folder of the gateway's.
        let (status, output) = try await RunningProcess.start(URL(fileURLWithPath: "/usr/bin/env"), [
            "st", "--config-file", Self.repository.appendingPathComponent("schemathesis.toml").path,
            "run", Self.repository.appendingPathComponent("openapi/openapi.yaml").path, "--url", gateway.url.absoluteString,
            "--tls-verify", gateway.pki.ca.certificate.path, "--request-cert", bureau.certificate.path, "--request-cert-key", bureau.key.path,
            "--max-examples", "20", "--seed", "11643",
            // The run starts beside every other suite on CI's two cores; a request waiting there on a
            // durable audit append once took over schemathesis's default 10 s (the same request answers
            // in milliseconds on its own). A gateway that hangs still fails.
            "--request-timeout", "30",
        ], environment: ProcessInfo.processInfo.environment.merging([
            "SCHEMATHESIS_HOOKS": "hooks", "PYTHONPATH": Self.repository.appendingPathComponent("Tests/Schemathesis").path,
        ]) { $1 }, in: folder).finish()
        #expect(status == 0, "\(output.suffix(6000))")
        #expect(output.contains("Stateful"), "\(output.suffix(2000))")
        try await gateway.stop()
    }
}
