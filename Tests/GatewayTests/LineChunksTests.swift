import Foundation
@testable import Gateway
import Storage
import OpenAPIRuntime
import Testing
import TestSupport

/// A batch job's lines: counted as the upload arrives, read back a chunk at a time; both must agree.
@Suite("Batch job lines")
struct LineChunksTests {
    @Test func blankLinesAreSkippedAlikeWhenCountedAndWhenRead() async throws {
        let folder = TemporaryFiles.url("creditgate-lines")
        defer { try? FileManager.default.removeItem(at: folder) }
        let uploads = try Uploads(folder: folder)
        let text = "a\r\n\r\n\n\r\r\n b \nc\r\n\r"
        let file = folder.appendingPathComponent("job.ndjson")
        let counted = try await uploads.receive(HTTPBody(Array(text.utf8)), to: file)
        var chunks = try LineChunks(file: file, offset: 0)
        defer { chunks.close() }
        let first = try chunks.next(2)
        let rest = try chunks.next(10)
        let lines = (first.lines + rest.lines).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines == ["a", " b ", "c"])
        #expect(counted == lines.count)
        #expect(first.bytes + rest.bytes == text.utf8.count)
        // Read again from where the first chunk ended: the same remaining lines.
        var resumed = try LineChunks(file: file, offset: first.bytes)
        defer { resumed.close() }
        #expect(try resumed.next(10).lines.map { String(decoding: $0, as: UTF8.self) } == ["c"])
    }
}
