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
        try self.init(utf8: ArraySlice(text.utf8))
    }

    /// Parses UTF-8 bytes directly: importers read one case number per feed line.
    public init(utf8 input: ArraySlice<UInt8>) throws(CaseNumberError) {
        // The folding below reads three-byte sequences without checking them: only valid UTF-8
        // gets there, so every case number read prints back as the same text.
        guard let text = String(validating: input, as: UTF8.self) else { throw CaseNumberError(text: String(decoding: input, as: UTF8.self)) }
        let failure = CaseNumberError(text: text)
        // Pass 1: fold bracket variants and full-width digits to ASCII, drop spaces.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var i = input.startIndex
        while i < input.endIndex {
            let b = input[i]
            if b == 0x20 || b == 0x09 {
                i += 1
                continue
            }
            if b >= 0xE0, i + 2 < input.endIndex {
                let scalar = (UInt32(b & 0x0F) << 12) | (UInt32(input[i + 1] & 0x3F) << 6) | UInt32(input[i + 2] & 0x3F)
                switch scalar {
                case 0x3000: break
                case 0xFF08, 0x3014, 0x3010: bytes.append(UInt8(ascii: "("))
                case 0xFF09, 0x3015, 0x3011: bytes.append(UInt8(ascii: ")"))
                case 0xFF10...0xFF19: bytes.append(UInt8(scalar - 0xFF10) + 0x30)
                default: bytes.append(contentsOf: input[i..<(i + 3)])
                }
                i += 3
                continue
            }
            switch b {
            case UInt8(ascii: "["): bytes.append(UInt8(ascii: "("))
            case UInt8(ascii: "]"): bytes.append(UInt8(ascii: ")"))
            default: bytes.append(b)
            }
            i += 1
        }
        // Pass 2: (year) court type sequence 号
        var p = 0
        func isDigit(_ at: Int) -> Bool { at < bytes.count && bytes[at] >= 0x30 && bytes[at] <= 0x39 }
        func digits() -> (value: Int, count: Int) {
            var value = 0
            var count = 0
            while isDigit(p), count < 18 {
                value = value * 10 + Int(bytes[p] - 0x30)
                count += 1
                p += 1
            }
            return (value, count)
        }
        func scalar(at: Int) -> UInt32? {
            guard at + 2 < bytes.count, bytes[at] >= 0xE0, bytes[at] < 0xF0 else { return nil }
            return (UInt32(bytes[at] & 0x0F) << 12) | (UInt32(bytes[at + 1] & 0x3F) << 6) | UInt32(bytes[at + 2] & 0x3F)
        }
        guard p < bytes.count, bytes[p] == UInt8(ascii: "(") else { throw failure }
        p += 1
        let year = digits()
        guard year.count == 4, year.value >= 1000, p < bytes.count, bytes[p] == UInt8(ascii: ")") else { throw failure }
        p += 1
        let courtStart = p
        if scalar(at: p) == 0x6700, scalar(at: p + 3) == 0x9AD8, scalar(at: p + 6) == 0x6CD5 {  // 最高法
            p += 9
        } else {
            guard let province = scalar(at: p), let u = Unicode.Scalar(province), CaseNumber.provinceAbbreviations.contains(u) else {
                throw failure
            }
            p += 3
            let start = p
            while isDigit(p) { p += 1 }
            guard [0, 2, 4].contains(p - start) else { throw failure }
        }
        let courtEnd = p
        guard scalar(at: p) == 0x6267 else { throw failure }  // 执
        let typeStart = p
        while p < bytes.count, !isDigit(p) {
            guard scalar(at: p) != nil else { throw failure }
            p += 3
        }
        guard p - typeStart <= 12 else { throw failure }
        let typeEnd = p
        let sequence = digits()
        guard sequence.count > 0, p + 3 == bytes.count, scalar(at: p) == 0x53F7 else { throw failure }  // 号
        self.year = year.value
        self.courtCode = String(decoding: bytes[courtStart..<courtEnd], as: UTF8.self)
        self.caseType = String(decoding: bytes[typeStart..<typeEnd], as: UTF8.self)
        self.sequence = sequence.value
    }

    public var normalised: String { "(\(year))\(courtCode)\(caseType)\(sequence)号" }

    /// Feeds the UTF-8 bytes of ``normalised`` to a hash without building the string.
    public func hashNormalised(into hash: inout FNV1a64) {
        hash.combine(UInt8(ascii: "("))
        CaseNumber.hashDecimal(year, into: &hash)
        hash.combine(UInt8(ascii: ")"))
        hash.combine(courtCode.utf8)
        hash.combine(caseType.utf8)
        CaseNumber.hashDecimal(sequence, into: &hash)
        hash.combine("号".utf8)
    }

    private static func hashDecimal(_ value: Int, into hash: inout FNV1a64) {
        var digits: [UInt8] = []
        var v = value
        repeat {
            digits.append(UInt8(v % 10) + 0x30)
            v /= 10
        } while v > 0
        for digit in digits.reversed() { hash.combine(digit) }
    }
    public var description: String { normalised }
}

public struct CaseNumberError: Error, Hashable, Sendable, CustomStringConvertible {
    public let text: String
    public static let code = "case.format"
    public var description: String { "\(CaseNumberError.code): not an enforcement case number: \(text)" }
}
