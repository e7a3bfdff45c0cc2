import ArchiveClient
import CreditCore
import Foundation

/// The archive's feeds, as an import reads them: the file through ``FeedReader`` (CSV in UTF-8 or
/// GB18030, NDJSON, a JSON array), each row validated and encoded both as a defaulter listing and
/// as a dishonesty record, so every field parser a feed line reaches is exercised.
enum FeedTargets {
    static let all = [FeedFormat.ndjson, .json, .csv].map { format in
        FuzzTarget(name: "feed-\(format.rawValue)") { bytes in read(bytes, format: format) }
    }

    /// Shared across inputs, as an import's parser threads share one (a fresh one per input
    /// would cost more than the parse).
    private static let defaulters = DefaulterEncoder(today: IdentifierTargets.today, interner: TextInterner(existing: []))
    private static let taxonomy: Taxonomy = {
        do { return try Taxonomy.bundled() } catch { fatalError("the bundled taxonomy: \(error)") }
    }()

    private static func read(_ bytes: [UInt8], format: FeedFormat) {
        let file = ScratchFile.holding(bytes, extension: format.rawValue)
        let kinds: [(FieldSchema, (FieldRow) -> Void)] = [
            (DefaulterFeed.schema, { _ = defaulters.encode($0) }),
            (RecordFeed.schema, { _ = RecordFeed.validate($0, today: IdentifierTargets.today, taxonomy: taxonomy) }),
        ]
        for (schema, encode) in kinds {
            guard var reader = try? FeedReader(url: file, schema: schema, format: format) else { continue }
            var row = FieldRow(fieldCount: schema.fields.count)
            func take(_ item: FeedItem) {
                switch item {
                case .row:
                    encode(row)
                case .bad(let line, _):
                    expect(line >= 1, "a bad line numbered \(line)")
                }
            }
            do {
                if format == .ndjson {
                    while let block = try reader.nextNDJSONBlock() {
                        _ = block.forEachLine { number, line in
                            if let item = FeedReader.parseNDJSON(line, number: number, schema: schema, into: &row) { take(item) }
                        }
                    }
                } else {
                    while let item = try reader.next(into: &row) { take(item) }
                }
                _ = try reader.finish()
            } catch {
                continue  // a feed that cannot be read at all is refused whole: that is an answer too
            }
        }
    }
}
