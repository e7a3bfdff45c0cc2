import CreditCore

/// Resident ID numbers, masked ones, case numbers and dates: what every feed line, candidate row
/// and check request carries. Each parse that succeeds must print back to a text that parses to the
/// same value.
enum IdentifierTargets {
    /// A fixed day, so the same input always takes the same path.
    static let today = CalendarDay(dayNumber: 20_788)  // 2026-12-01

    static let all = [
        FuzzTarget(name: "resident-id") { bytes in
            guard let id = try? ResidentID(utf8: bytes[...], today: today) else {
                _ = try? ResidentID(stored: bytes[...])
                return
            }
            expect(id.birthDate <= today, "a birth date after today was accepted")
            expect((try? ResidentID(id.unmaskedValue, today: today)) == id, "\(id.masked) does not parse back")
            expect(ResidentID(integerKey: id.integerKey) == id, "\(id.masked) does not survive its integer key")
            expect(id.masked.count == 18 && id.masked.contains("*"), "the masked form shows the whole number")
        },
        FuzzTarget(name: "masked-id") { bytes in
            if let mask = try? MaskedID(utf8: bytes[...]) {
                expect((try? MaskedID(mask.description)) == mask, "\(mask) does not parse back")
                expect(mask.shape.nonzeroBitCount >= 8, "\(mask) shows fewer than 8 characters")
            }
            switch try? PublishedID(utf8: bytes[...], today: today) {
            case .full(let id)?: expect((try? PublishedID(stored: ArraySlice(id.unmaskedValue.utf8))) == .full(id), "a full ID does not read back")
            case .masked(let mask)?: expect((try? PublishedID(stored: ArraySlice(mask.bytes))) == .masked(mask), "\(mask) does not read back")
            case nil: _ = try? PublishedID(stored: bytes[...])
            }
        },
        FuzzTarget(name: "case-number") { bytes in
            guard let number = try? CaseNumber(utf8: bytes[...]) else { return }
            expect((try? CaseNumber(number.normalised)) == number, "\(number) does not parse back")
            var streamed = FNV1a64()
            number.hashNormalised(into: &streamed)
            var whole = FNV1a64()
            whole.combine(number.normalised.utf8)
            expect(streamed.value == whole.value, "\(number): the streamed hash differs from the text's")
        },
        FuzzTarget(name: "calendar-day") { bytes in
            guard let day = try? CalendarDay(parsingUTF8: bytes[...]) else { return }
            expect((try? CalendarDay(parsing: day.description)) == day, "\(day) does not parse back")
            expect(CalendarDay(dayNumber: day.dayNumber) == day, "\(day) does not survive its day number")
        },
    ]
}
