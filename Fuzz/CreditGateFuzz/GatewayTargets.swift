import Foundation
import Gateway
import GatewayAPI
import Synchronization

/// The files an operator hands the gateway: its configuration, the client registry, and the CRL
/// (re-read whenever it changes, so a bad one must be refused, never crash a running gateway);
/// and a batch job's input lines, which a client sends.
enum GatewayTargets {
    static let all = [
        FuzzTarget(name: "gateway-config") { bytes in
            let file = ScratchFile.holding(bytes, extension: "json")
            waiting { _ = try? await GatewayConfiguration.load(file: file.path) }
        },
        FuzzTarget(name: "client-registry") { bytes in
            _ = try? ClientRegistry.load(from: ScratchFile.holding(bytes, extension: "json"))
        },
        // A batch job's input lines: what the direct reading takes, JSONDecoder reads the same.
        FuzzTarget(name: "candidate-line") { bytes in
            let line = Data(bytes)
            if let plain = CandidateLine.plain(line) {
                let decoded = try? CheckStore.decoder.decode(Components.Schemas.BatchCandidate.self, from: line)
                expect(decoded == plain, "read directly as \(plain), by JSONDecoder as \(String(describing: decoded))")
            }
        },
        FuzzTarget(name: "crl") { bytes in
            let issuers = [Fixtures.certificateAuthority]
            if let list = try? RevocationList.load(from: ScratchFile.holding(bytes, extension: "crl"), issuers: issuers) {
                for serial in list.serialNumbers { expect(list.isRevoked(serialNumber: serial), "a listed serial is not revoked") }
            }
        },
    ]

    /// Runs async work from the fuzzer's synchronous entry point (a plain thread, never one of
    /// Swift's cooperative ones, so blocking it is safe).
    private static func waiting(_ work: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await work()
            done.signal()
        }
        done.wait()
    }
}
