import Foundation
import Gateway
import Testing

/// Whether python3 has openapi-spec-validator (CI installs it; see .ci/run).
let specValidatorAvailable: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import openapi_spec_validator"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

/// The contract is valid OpenAPI 3.1, and the gateway serves exactly it. (The server and client
/// code are generated from it at build time, so they cannot drift from it.)
@Suite("The contract")
struct ContractTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("openapi/openapi.yaml")

    @Test(.enabled(if: specValidatorAvailable || ProcessInfo.processInfo.environment["CI"] != nil, "needs python3 with openapi-spec-validator"))
    func isValidOpenAPI() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "openapi_spec_validator", Self.file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
    }

    @Test func theGatewayServesTheContractItWasBuiltFrom() async throws {
        let gateway = try await TestGateway()
        let served = try await gateway.raw("bureau", "GET", "/openapi.yaml", contentType: nil)
        #expect(served.header("content-type") == "application/yaml")
        #expect(served.body == Array(try Data(contentsOf: Self.file)))
        try await gateway.stop()
    }
}
