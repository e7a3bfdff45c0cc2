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
        var blob: [UInt8] = []
        let first = try chunks.append(2, to: &blob)
        let rest = try chunks.append(10, to: &blob)
        #expect(Self.lines(blob) == ["a", " b ", "c"])
        #expect(first.lines + rest.lines == 3)
        #expect(counted == 3)
        #expect(first.bytes + rest.bytes == text.utf8.count)
        // Read again from where the first chunk ended: the same remaining lines.
        var resumed = try LineChunks(file: file, offset: first.bytes)
        defer { resumed.close() }
        var again: [UInt8] = []
        #expect(try resumed.append(10, to: &again).lines == 1)
        #expect(Self.lines(again) == ["c"])
    }

    /// The upload's count does not depend on where the body is cut into pieces.
    @Test func aLineCutBetweenPiecesIsCountedOnce() {
        let text = Array("a\r\n\r\n\n\r\r\n b \nc\r\n\r\n\r{}".utf8)
        for cut in 0...text.count {
            for second in cut...text.count {
                var counter = Uploads.LineCounter()
                counter.count(text[..<cut])
                counter.count(text[cut..<second])
                counter.count(text[second...])
                #expect(counter.lines == 4, "cut at \(cut) and \(second)")
            }
        }
    }

    /// A blob's lines, each of which ends in a line feed.
    static func lines(_ blob: [UInt8]) -> [String] {
        String(decoding: blob, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}
