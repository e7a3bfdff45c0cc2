import Foundation
import Gateway
import Testing

/// The contract is valid OpenAPI 3.1, and the gateway serves exactly it. (The server and client
/// code are generated from it at build time, so they cannot drift from it.)
@Suite("The contract")
struct ContractTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("openapi/openapi.yaml")

    @Test(.enabled(if: PythonTools.enabled("openapi_spec_validator"), "needs python3 with openapi-spec-validator"))
    func isValidOpenAPI() throws {
        let (status, output) = PythonTools.run(["-m", "openapi_spec_validator", Self.file.path])
        #expect(status == 0, "\(output)")
    }

    @Test func theGatewayServesTheContractItWasBuiltFrom() async throws {
        let gateway = try await TestGateway()
        let served = try await gateway.raw("bureau", "GET", "/openapi.yaml", contentType: nil)
        #expect(served.header("content-type") == "application/yaml")
        #expect(served.body == Array(try Data(contentsOf: Self.file)))
        try await gateway.stop()
    }
}
