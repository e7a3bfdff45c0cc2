import Foundation
import Gateway
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
        let connection = try await RawConnection(to: gateway, as: "bureau")
        // The head and one byte of a 100-byte body, then nothing. Timed from before the send: the
        // server's idle timer starts when the byte arrives, which may be before `send` returns here.
        let start = ContinuousClock.now
        try await connection.send("POST /v1/checks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        #expect(try await connection.closes(within: .seconds(10)), "the connection was still open after 10 s")
        #expect(ContinuousClock.now - start >= .milliseconds(900))
        await connection.close()
        try await gateway.stop()
    }

    /// The idle timer restarts at every byte: a body that keeps trickling is cut off by the request
    /// deadline instead (the deadline, plus a second per `minUploadBytesPerSecond` bytes sent).
    @Test func aRequestThatTricklesIsCutAtItsDeadline() async throws {
        let gateway = try await TestGateway { configuration, _ in
            configuration.requestTimeoutSeconds = 1
            configuration.minUploadBytesPerSecond = 1000
        }
        let connection = try await RawConnection(to: gateway, as: "bureau")
        // Before the head is sent: the gateway starts the deadline when it has read the head, so
        // this instant is never later than its start, however long the send takes to return.
        let start = ContinuousClock.now
        try await connection.send("POST /v1/checks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        let trickle = Task {
            while !Task.isCancelled {
                try await connection.send(" ")
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(try await connection.closes(within: .seconds(10)), "the trickling request was still open after 10 s")
        trickle.cancel()
        #expect(ContinuousClock.now - start >= .milliseconds(900))
        // A whole request on a new connection is answered as before.
        #expect(try await gateway.raw("bureau", "GET", "/readyz", contentType: nil).status == 200)
        #expect(try await Self.count(#"creditgate_requests_cut_total{reason="too-slow"}"#, on: gateway) >= 1)
        await connection.close()
        try await gateway.stop()
    }

    /// One certificate holds at most its limit of connections; the next is closed as its handshake
    /// completes (counted in the metrics), others are served, and a freed slot can be taken again.
    @Test func aClientPastItsConnectionLimitIsClosedAtTheHandshake() async throws {
        let gateway = try await TestGateway { configuration, _ in configuration.connectionsPerClient = 3 }
        var held: [RawConnection] = []
        for _ in 0..<3 {
            let connection = try await RawConnection(to: gateway, as: "bureau")
            // Answered, so the gateway has counted it.
            try await connection.send("GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            try await connection.answered()
            held.append(connection)
        }
        let refused = try await RawConnection(to: gateway, as: "bureau")
        #expect(try await refused.closes(within: .seconds(5)), "a fourth connection was kept")
        #expect(refused.text.isEmpty)
        // Another client is not affected.
        #expect(try await gateway.raw("auditor", "GET", "/readyz", contentType: nil).status == 200)
        #expect(try await Self.count(#"creditgate_connections_refused_total{reason="client-limit"}"#, on: gateway) >= 1)
        // Once one is closed (and the gateway has seen it close), its slot is free again.
        await held.removeFirst().close()
        var again: RawConnection?
        for _ in 0..<20 where again == nil {
            let connection = try await RawConnection(to: gateway, as: "bureau")
            try? await connection.send("GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            if (try? await connection.answered()) != nil { again = connection } else { await connection.close() }
        }
        #expect(again?.text.hasPrefix("HTTP/1.1 200") == true)
        for connection in held + [again].compactMap({ $0 }) { await connection.close() }
        try await gateway.stop()
    }

    /// A counter's value in the gateway's metrics (which every gateway of the process shares).
    static func count(_ series: String, on gateway: TestGateway) async throws -> Int {
        let text = try await gateway.raw("auditor", "GET", "/metrics", contentType: nil).text
        let line = text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
        return line.flatMap { Int($0.dropFirst(series.count + 1)) } ?? 0
    }
}
