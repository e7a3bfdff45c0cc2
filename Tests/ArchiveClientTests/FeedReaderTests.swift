import ArchiveClient
import Foundation
import Testing
import TestSupport

@Suite("Feed reader")
struct FeedReaderTests {
    /// Found by the fuzzer (Scripts/fuzz, feed-json): an empty JSON feed was reported bad from the
    /// top again at every read, so an import of one never ended.
    @Test func anEmptyJSONFeedIsOneBadLineThenTheEnd() throws {
        let file = TemporaryFiles.url("empty", extension: "json")
        try Data().write(to: file)
        var reader = try FeedReader(url: file, schema: DefaulterFeed.schema)
        var row = FieldRow(fieldCount: DefaulterFeed.schema.fields.count)
        var reads: [String] = []
        for _ in 0..<3 {
            switch try reader.next(into: &row) {
            case .bad(let line, _)?: reads.append("bad line \(line)")
            case .row?: reads.append("row")
            case nil: reads.append("end")
            }
        }
        #expect(reads == ["bad line 1", "end", "end"])
    }
}
