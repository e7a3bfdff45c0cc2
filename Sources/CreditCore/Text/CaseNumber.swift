/// An enforcement case number (案号) such as `(2019)湘0102执1234号`.
///
/// Form: `(year)` + court code (a province abbreviation, optionally followed by 2 or 4 digits) +
/// case type (执, 执恢, 执保, 执异, ...) + sequence number + `号`. Feeds mix full-width and half-width
/// brackets (and sometimes 〔〕 or []); ``normalised`` always uses half-width parentheses and no spaces,
/// so one case has one key.
///
/// ```swift
/// let n = try CaseNumber("（2019）湘0102执恢 1234号")
/// n.normalised  // "(2019)湘0102执恢1234号"
/// n.courtCode   // "湘0102"
/// ```
public struct CaseNumber: Hashable, Sendable, CustomStringConvertible {
    public let year: Int
    public let courtCode: String
    public let caseType: String
    public let sequence: Int

    /// The court-code prefixes of the 31 provincial divisions, plus 兵 (the Xinjiang Production and
    /// Construction Corps courts) and 最高法 (the Supreme People's Court).
    public static let provinceAbbreviations: Set<Unicode.Scalar> = Set("京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新兵".unicodeScalars)

    public init(_ text: String) throws(CaseNumberError) {
        // Works on scalars, not Characters: importers parse one case number per feed line.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(24)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x20, 0x09, 0x3000: continue
            case 0xFF08, 0x3014, 0x5B, 0x3010, 0x28: scalars.append("(")
            case 0xFF09, 0x3015, 0x5D, 0x3011, 0x29: scalars.append(")")
            case 0xFF10...0xFF19: scalars.append(Unicode.Scalar(UInt8(scalar.value - 0xFF10 + 0x30)))
            default: scalars.append(scalar)
            }
        }
        let failure = CaseNumberError(text: String(text))
        var i = 0
        func digits() -> (value: Int, count: Int) {
            var value = 0
            var count = 0
            while i < scalars.count, (0x30...0x39).contains(scalars[i].value) {
                value = value * 10 + Int(scalars[i].value - 0x30)
                count += 1
                i += 1
            }
            return (value, count)
        }
        guard i < scalars.count, scalars[i] == "(" else { throw failure }
        i += 1
        let year = digits()
        guard year.count == 4, i < scalars.count, scalars[i] == ")" else { throw failure }
        i += 1
        var court = String.UnicodeScalarView()
        if i + 2 < scalars.count, scalars[i] == "最", scalars[i + 1] == "高", scalars[i + 2] == "法" {
            court.append(contentsOf: scalars[i..<(i + 3)])
            i += 3
        } else {
            guard i < scalars.count, CaseNumber.provinceAbbreviations.contains(scalars[i]) else { throw failure }
            court.append(scalars[i])
            i += 1
            let start = i
            while i < scalars.count, (0x30...0x39).contains(scalars[i].value) { i += 1 }
            guard [0, 2, 4].contains(i - start) else { throw failure }
            court.append(contentsOf: scalars[start..<i])
        }
        let typeStart = i
        while i < scalars.count, !(0x30...0x39).contains(scalars[i].value) { i += 1 }
        guard i - typeStart >= 1, i - typeStart <= 4, scalars[typeStart] == "执" else { throw failure }
        let type = String(String.UnicodeScalarView(scalars[typeStart..<i]))
        let sequence = digits()
        guard sequence.count > 0, i == scalars.count - 1, scalars[i] == "号" else { throw failure }
        self.year = year.value
        self.courtCode = String(court)
        self.caseType = type
        self.sequence = sequence.value
    }

    public var normalised: String { "(\(year))\(courtCode)\(caseType)\(sequence)号" }
    public var description: String { normalised }
}

public struct CaseNumberError: Error, Hashable, Sendable, CustomStringConvertible {
    public let text: String
    public static let code = "case.format"
    public var description: String { "\(CaseNumberError.code): not an enforcement case number: \(text)" }
}
