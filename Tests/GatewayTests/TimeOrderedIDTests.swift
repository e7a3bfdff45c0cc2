import Foundation
@testable import Gateway
import Testing

/// Check and job ids: the time in the first ten digits, 80 random bits in the rest.
@Suite("Time-ordered ids")
struct TimeOrderedIDTests {
    static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    /// The number written in an id's digits (5 bits each).
    static func value(_ digits: Substring) -> UInt128 {
        digits.utf8.reduce(0) { $0 << 5 | UInt128(alphabet.firstIndex(of: $1)!) }
    }

    @Test func theTimeIsInTheFirstTenDigitsAndIdsSortByIt() {
        let times = [0, 1, 1_764_000_000_123, 1_799_999_999_999, 0xFFFF_FFFF_FFFF].map { Date(timeIntervalSince1970: Double($0) / 1000 + 0.000_000_1) }
        let ids = times.map { TimeOrderedID.make("chk_", at: $0) }
        for (id, time) in zip(ids, times) {
            #expect(TimeOrderedID.isWellFormed(id, prefix: "chk_"), "\(id)")
            #expect(Self.value(id.dropFirst(4).prefix(10)) == UInt128(UInt64(time.timeIntervalSince1970 * 1000)), "\(id)")
        }
        #expect(ids == ids.sorted())
    }

    @Test func theRestIsRandom() {
        let date = Date(timeIntervalSince1970: 1_764_000_000)
        let ids = (0..<2000).map { _ in TimeOrderedID.make("chk_", at: date) }
        #expect(Set(ids).count == ids.count)
        // Every one of the 80 random bits is set in some ids and clear in others.
        let values = ids.map { Self.value($0.dropFirst(14)) }
        for bit in 0..<80 {
            let set = values.filter { $0 >> UInt128(bit) & 1 == 1 }.count
            #expect(set > 800 && set < 1200, "bit \(bit) set in \(set) of 2000")
        }
    }
}
