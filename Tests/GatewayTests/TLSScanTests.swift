import Foundation
import Gateway
import SwiftASN1
import Testing
import TestSupport

/// testssl.sh (Debian's `testssl.sh`) scans the running gateway: protocols, ciphers and their order,
/// key exchange, known vulnerabilities and the server certificate. Nothing may be rated MEDIUM or
/// worse. Its two WARN lines (client-initiated renegotiation and BREACH cannot be probed without a
/// client certificate, which this testssl cannot present) are not ratings.
@Suite("TLS scan")
struct TLSScanTests {
    static let testssl = ["/usr/bin/testssl", "/usr/bin/testssl.sh"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CI"] != nil || testssl != nil, "needs testssl (apt-get install testssl.sh)"))
    func testsslRatesNothingMediumOrWorse() async throws {
        // Certificates as an operator's CA issues them: each names where the CA's CRL is published,
        // and it is published there (DER over HTTP, RFC 5280), so testssl fetches it and checks the
        // server certificate against it.
        let port = try Self.freePort()
        let crlURL = "http://127.0.0.1:\(port)/dev.crl"
        let published = TemporaryFiles.url("published-pki")
        let pki = try DevelopmentPKI.create(in: published, crlURL: crlURL)
        let crl = try PEMDocument(pemString: String(contentsOf: published.appendingPathComponent("crl.pem"), encoding: .utf8))
        try Data(crl.derBytes).write(to: published.appendingPathComponent("dev.crl"))
        let web = try RunningProcess.start(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", "-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", published.path,
        ], environment: ProcessInfo.processInfo.environment, in: published)
        // SIGKILL: the server starts with SIGTERM blocked (it inherits the signal mask of the test
        // thread that spawned it), so `terminate()` left it running after the test.
        defer { kill(web.process.processIdentifier, SIGKILL) }
        let gateway = try await TestGateway { configuration, _ in
            configuration.certificate = pki.server.certificate.path
            configuration.privateKey = pki.server.key.path
        }
        let report = gateway.folder.appendingPathComponent("testssl.json")
        let (_, output) = try await RunningProcess.start(URL(fileURLWithPath: try #require(Self.testssl)), [
            "--quiet", "--color", "0", "--warnings", "batch", "--phone-out", "--jsonfile", report.path,
            "--add-ca", pki.ca.certificate.path, "127.0.0.1:\(gateway.port)",
        ], environment: ProcessInfo.processInfo.environment, in: gateway.folder).finish()
        let findings = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [[String: Any]], "\(output.suffix(3000))")
        func finding(_ id: String) -> (severity: String, text: String)? {
            findings.first { $0["id"] as? String == id }.map { ($0["severity"] as? String ?? "", $0["finding"] as? String ?? "") }
        }
        let serious = findings.filter { ["MEDIUM", "HIGH", "CRITICAL"].contains($0["severity"] as? String) }
            .map { "\($0["id"] ?? "?"): \($0["severity"] ?? "?") \($0["finding"] ?? "")" }
        #expect(serious.isEmpty, "\(serious.joined(separator: "\n"))")
        #expect(finding("cert_crlDistributionPoints")?.text == crlURL)
        #expect(finding("cert_crlRevoked")?.severity == "OK", "\(String(describing: finding("cert_crlRevoked")))")
        try await gateway.stop()
    }

    /// A loopback port nothing listens on (for the CRL's web server, which must be named first).
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
