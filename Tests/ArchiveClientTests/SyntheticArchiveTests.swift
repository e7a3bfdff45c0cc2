import ArchiveClient
import CreditCore
import Foundation
import Testing
import TestSupport

@Suite("Synthetic archive")
struct SyntheticArchiveTests {
    @Test func sameSeedSameBytes() throws {
                var a = try SyntheticArchive(seed: 42)
        var b = try SyntheticArchive(seed: 42)
        let first = TemporaryFiles.url("a", extension: "ndjson")
        let second = TemporaryFiles.url("b", extension: "ndjson")
        try a.writeDefaulters(count: 2000, to: first)
        try b.writeDefaulters(count: 2000, to: second)
        #expect(try Data(contentsOf: first) == Data(contentsOf: second))
        var c = try SyntheticArchive(seed: 43)
        try c.writeDefaulters(count: 2000, to: second)
        #expect(try Data(contentsOf: first) != Data(contentsOf: second))
    }
}
