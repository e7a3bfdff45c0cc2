import Foundation
import Testing

/// `Expect: 100-continue` is answered at once (``ContinueResponder``): curl asks for every body
/// over 1 MiB and otherwise waits a second before sending it.
@Suite("Expect: 100-continue")
struct ContinueTests {
    /// The head alone gets `100 Continue`; the body sent after it is read and answered.
    @Test func anUploadThatAsksToContinueIsToldToBeforeItsBodyIsSent() async throws {
        let gateway = try await TestGateway()
        let connection = try await RawConnection(to: gateway, as: "bureau")
        let body = try BatchJobTests.feed(20)
        try await connection.send("POST /v1/batches?\(BatchJobTests.query) HTTP/1.1\r\nHost: localhost\r\n"
            + "Content-Type: application/x-ndjson\r\nContent-Length: \(body.utf8.count)\r\nExpect: 100-Continue\r\nConnection: close\r\n\r\n")
        try await connection.answered()
        #expect(connection.text == "HTTP/1.1 100 Continue\r\n\r\n")
        try await connection.send(body)
        #expect(try await connection.closes(within: .seconds(30)), "the connection was still open after 30 s")
        let final = connection.text.dropFirst("HTTP/1.1 100 Continue\r\n\r\n".count)
        #expect(final.hasPrefix("HTTP/1.1 202 Accepted\r\n"), "\(final.prefix(200))")
        await connection.close()
        try await gateway.stop()
    }

    /// A request that does not ask gets its final answer alone; one refused after being told to
    /// continue gets its final status all the same.
    @Test func onlyARequestThatAsksIsToldToContinueAndARefusalStillFollows() async throws {
        let gateway = try await TestGateway()
        var answers: [[String]] = []
        for expect in ["", "Expect: 100-continue\r\n"] {
            let connection = try await RawConnection(to: gateway, as: "bureau")
            try await connection.send("POST /v1/no-such-route HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\n\(expect)Connection: close\r\n\r\n")
            try await connection.answered()
            // Without the expectation, the 404 and the close may come before the body is sent.
            try? await connection.send("{}")
            #expect(try await connection.closes(within: .seconds(30)), "the connection was still open after 30 s")
            answers.append(connection.text.components(separatedBy: "\r\n").filter { $0.hasPrefix("HTTP/1.1 ") })
            await connection.close()
        }
        #expect(answers == [["HTTP/1.1 404 Not Found"], ["HTTP/1.1 100 Continue", "HTTP/1.1 404 Not Found"]])
        try await gateway.stop()
    }
}
