import CreditCore
import Foundation
import Testing

struct ResidentIDVector: Decodable, CustomTestStringConvertible {
    var input: String
    var valid: Bool
    var normalised: String?
    var birth: String?
    var sex: String?
    var masked: String?
    var code: String?
    var note: String
    var testDescription: String { note }

    static func all() throws -> [ResidentIDVector] {
        let url = try #require(Bundle.module.url(forResource: "resident-ids", withExtension: "json", subdirectory: "Vectors"))
        return try JSONDecoder().decode([ResidentIDVector].self, from: Data(contentsOf: url))
    }
}

@Suite("Resident ID (GB 11643-1999)")
struct ResidentIDTests {
    static let today = try! CalendarDay(year: 2026, month: 11, day: 25)

    @Test("vectors", arguments: try ResidentIDVector.all())
    func vector(_ vector: ResidentIDVector) throws {
        if vector.valid {
            let id = try ResidentID(vector.input, today: Self.today)
            #expect(id.unmaskedValue == vector.normalised)
            #expect(id.birthDate.description == vector.birth)
            #expect(id.sex.rawValue == vector.sex)
            #expect(id.masked == vector.masked)
        } else {
            let error = #expect(throws: IdentifierError.self) { try ResidentID(vector.input, today: Self.today) }
            #expect(error?.code.rawValue == vector.code)
        }
    }

    @Test func printingNeverShowsTheFullNumber() throws {
        let id = try ResidentID("11010519491231002X", today: Self.today)
        #expect("\(id)" == "110105********002X")
        #expect(String(describing: id) == "110105********002X")
        #expect(String(reflecting: id) == "ResidentID(110105********002X)")
        #expect(!"\([id])".contains("19491231"))
        #expect(id.regionCode == "110105")
    }

    @Test func errorsNeverQuoteTheInput() {
        for input in ["110105194912310021", "11010519491331002X", "11010519491231002Y"] {
            let error = #expect(throws: IdentifierError.self) { try ResidentID(input, today: Self.today) }
            #expect(!(error?.description.contains(input) ?? true))
            #expect(!(error?.description.contains("19491") ?? true))
        }
    }

    @Test func errorsCompareByCodeAlone() {
        #expect(IdentifierError(.checksum, "one reason") == IdentifierError(.checksum, "another"))
        #expect(IdentifierError(.checksum, "same") != IdentifierError(.length, "same"))
        #expect(Set([IdentifierError(.checksum, "a"), IdentifierError(.checksum, "b")]).count == 1)
        #expect(IdentifierError(.checksum, "the check character does not match").description == "id.checksum: the check character does not match")
    }

    @Test func buildingFromPartsComputesTheCheckCharacter() throws {
        let id = try ResidentID(region: "110105", birthDate: CalendarDay(year: 1949, month: 12, day: 31), sequence: 2)
        #expect(id.unmaskedValue == "11010519491231002X")
    }

    /// Property: random valid IDs survive parse, print and the integer key unchanged.
    @Test func randomValidIDsRoundTrip() throws {
        var random = SeededRandom(seed: 11643)
        for _ in 0..<5000 {
            let id = try random.residentID()
            let reparsed = try ResidentID(id.unmaskedValue, today: Self.today)
            #expect(reparsed == id)
            #expect(ResidentID(integerKey: id.integerKey) == id)
            #expect(id.masked.count == 18)
        }
    }

    /// Property: the MOD 11-2 check catches every single-character substitution.
    @Test func anyOneCharacterChangeIsRejected() throws {
        var random = SeededRandom(seed: 1999)
        let alphabet = Array("0123456789X")
        for _ in 0..<300 {
            let id = try random.residentID()
            let original = Array(id.unmaskedValue)
            for position in 0..<18 {
                for replacement in alphabet where replacement != original[position] {
                    if position < 17, replacement == "X" { continue }
                    var changed = original
                    changed[position] = replacement
                    #expect(throws: IdentifierError.self) { try ResidentID(String(changed), today: Self.today) }
                }
            }
        }
    }
}

/// A resident ID drawn from a property test's seeded generator.
extension SeededRandom {
    mutating func residentID() throws -> ResidentID {
        let regions = ["110105", "430102", "440106", "650102", "310115", "510107"]
        let day = CalendarDay(dayNumber: Int.random(in: -25_000...20_000, using: &self))
        return try ResidentID(region: regions.randomElement(using: &self)!, birthDate: day, sequence: Int.random(in: 0...999, using: &self))
    }
}
