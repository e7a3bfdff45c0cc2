import Attestation
import Foundation
import X509

/// What the targets verify against: the public signing keys and the CA certificate of the
/// development gateway that made the seed receipts, checkpoints and CRLs (`Fuzz/Fixtures`).
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static let keys: JWKSet = {
        do { return try JSONDecoder().decode(JWKSet.self, from: Data(contentsOf: folder.appendingPathComponent("jwks.json"))) }
        catch { fatalError("Fuzz/Fixtures/jwks.json: \(error)") }
    }()

    static let certificateAuthority: Certificate = {
        do { return try Certificate(pemEncoded: String(contentsOf: folder.appendingPathComponent("ca.pem"), encoding: .utf8)) }
        catch { fatalError("Fuzz/Fixtures/ca.pem: \(error)") }
    }()

    static let auditOrigin = "creditgate.local/audit"
}

/// One file per process for the parsers whose real entry point is a path (feeds, configuration
/// files, CRLs): each input is written over it, on tmpfs where there is one.
enum ScratchFile {
    static func holding(_ bytes: [UInt8], extension pathExtension: String) -> URL {
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: folder).appendingPathComponent("creditgate-fuzz-\(getpid()).\(pathExtension)")
        do { try Data(bytes).write(to: url) } catch { fatalError("cannot write \(url.path): \(error)") }
        return url
    }
}
