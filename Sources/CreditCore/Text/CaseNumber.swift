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
    public static let provinceAbbreviations: Set<Character> = Set("京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新兵")

    public init(_ text: some StringProtocol) throws(CaseNumberError) {
        var chars: [Character] = []
        for ch in text {
            switch ch {
            case " ", "\u{3000}", "\t": continue
            case "（", "〔", "[", "【", "(": chars.append("(")
            case "）", "〕", "]", "】", ")": chars.append(")")
            default:
                // Full-width digits (０-９) are folded to ASCII.
                if let ascii = ch.unicodeScalars.first, ch.unicodeScalars.count == 1,
                   (0xFF10...0xFF19).contains(ascii.value),
                   let folded = Unicode.Scalar(ascii.value - 0xFF10 + 0x30) {
                    chars.append(Character(folded))
                } else {
                    chars.append(ch)
                }
            }
        }
        var i = 0
        func digits() -> Int? {
            var value = 0
            var count = 0
            while i < chars.count, let d = chars[i].wholeNumberValue, chars[i].isASCII {
                value = value * 10 + d
                count += 1
                i += 1
            }
            return count > 0 ? value : nil
        }
        guard i < chars.count, chars[i] == "(" else { throw CaseNumberError(text: String(text)) }
        i += 1
        let yearStart = i
        guard let year = digits(), i - yearStart == 4, i < chars.count, chars[i] == ")" else {
            throw CaseNumberError(text: String(text))
        }
        i += 1
        var court = ""
        if i + 2 < chars.count, String(chars[i..<i + 3]) == "最高法" {
            court = "最高法"
            i += 3
        } else {
            guard i < chars.count, CaseNumber.provinceAbbreviations.contains(chars[i]) else {
                throw CaseNumberError(text: String(text))
            }
            court.append(chars[i])
            i += 1
            let start = i
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
            guard [0, 2, 4].contains(i - start) else { throw CaseNumberError(text: String(text)) }
            court += String(chars[start..<i])
        }
        let typeStart = i
        while i < chars.count, !(chars[i].isASCII && chars[i].isNumber) { i += 1 }
        let type = String(chars[typeStart..<i])
        guard type.hasPrefix("执"), type.count <= 4 else { throw CaseNumberError(text: String(text)) }
        guard let sequence = digits(), i == chars.count - 1, chars[i] == "号" else {
            throw CaseNumberError(text: String(text))
        }
        self.year = year
        self.courtCode = court
        self.caseType = type
        self.sequence = sequence
    }

    public var normalised: String { "(\(year))\(courtCode)\(caseType)\(sequence)号" }
    public var description: String { normalised }
}

public struct CaseNumberError: Error, Hashable, Sendable, CustomStringConvertible {
    public let text: String
    public static let code = "case.format"
    public var description: String { "\(CaseNumberError.code): not an enforcement case number: \(text)" }
}
