import Foundation
import Gateway
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// 503 when the service cannot answer, and clients that stall are cut off.
@Suite("Readiness and stalled clients")
struct LimitTests {
    @Test func withoutItsKeysTheServiceSaysItIsNotReadyAndRecovers() async throws {
        let gateway = try await TestGateway()
        #expect(try await gateway.raw("bureau", "GET", "/readyz", contentType: nil).status == 200)
        let keys = URL(fileURLWithPath: gateway.configuration.stateDirectory).appendingPathComponent("keys")
        let away = keys.deletingLastPathComponent().appendingPathComponent("keys-away")
        try FileManager.default.moveItem(at: keys, to: away)
        let notReady = try await gateway.raw("bureau", "GET", "/readyz", contentType: nil)
        #expect(notReady.status == 503)
        #expect(notReady.json["code"] as? String == "service.not-ready")
        #expect(notReady.header("retry-after") != nil)
        #expect(notReady.header("content-type") == "application/problem+json")
        // Still signed: the signer in memory outlives the files it was loaded from.
        #expect(notReady.header("signature") != nil)
        try FileManager.default.moveItem(at: away, to: keys)
        #expect(try await gateway.raw("bureau", "GET", "/readyz", contentType: nil).status == 200)
        try await gateway.stop()
    }

    @Test func aClientThatStallsMidRequestIsDisconnected() async throws {
        let gateway = try await TestGateway { configuration, _ in configuration.idleTimeoutSeconds = 1 }
        let client = try #require(gateway.pki.clients["bureau"])
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(client.certificate.path).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: client.key.path, format: .pem))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(gateway.pki.ca.certificate.path))
        let context = try NIOSSLContext(configuration: tls)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                }
            }
            .connect(host: "127.0.0.1", port: gateway.port).get()
        // The head and one byte of a 100-byte body, then nothing.
        let partial = "POST /v1/checks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        try await channel.writeAndFlush(ByteBuffer(string: partial)).get()
        let start = ContinuousClock.now
        let closed = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await channel.closeFuture.get(); return true }
            group.addTask { try await Task.sleep(for: .seconds(10)); return false }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(closed, "the connection was still open after 10 s")
        #expect(ContinuousClock.now - start >= .milliseconds(900))
        if !closed { try await channel.close() }
        try await gateway.stop()
    }
}
