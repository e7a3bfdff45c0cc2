import CreditCore
import Foundation
import Testing

@Suite("Masked IDs, credit codes, names and case numbers")
struct IdentifierTests {
    @Test func publicMaskMatchesWhereVisibleCharactersAgree() throws {
        let id = try ResidentID("342301196403153221", today: Fixtures.today)
        let mask = try MaskedID("3423011964****3221")
        #expect(mask.matches(id))
        #expect(mask.shape.nonzeroBitCount == 14)
        #expect(try !MaskedID("3423011965****3221").matches(id))
        #expect(try MaskedID("342301********3221").matches(id))
        #expect(try MaskedID("34230119640315****").matches(id))
        // A lower-case x is normalised like the ID's own check character.
        let lower = try MaskedID("1101051949****002x")
        #expect(lower.description == "1101051949****002X")
        #expect(lower.matches(try ResidentID("11010519491231002X", today: Fixtures.today)))
    }

    @Test func masksAreValidated() {
        #expect(throws: IdentifierError.self) { try MaskedID("3423011964****32") }
        #expect(throws: IdentifierError.self) { try MaskedID("3423011964**A*3221") }
        #expect(throws: IdentifierError.self) { try MaskedID("342301196403153221") }
        #expect(throws: IdentifierError.self) { try MaskedID("34****************") }
    }

    @Test func probableKeyOfAMaskEqualsTheCandidatesOwnKey() throws {
        let id = try ResidentID("342301196403153221", today: Fixtures.today)
        let mask = try MaskedID("3423011964****3221")
        let name = NormalisedName("张 伟")
        #expect(ProbableMatchKey.make(name: name, mask: mask) == ProbableMatchKey.make(name: name, candidate: id, shape: mask.shape))
        #expect(ProbableMatchKey.make(name: NormalisedName("张伟伟"), mask: mask) != ProbableMatchKey.make(name: name, candidate: id, shape: mask.shape))
    }

    @Test func publishedIDIsFullOrMasked() throws {
        #expect(try PublishedID("11010519491231002X", today: Fixtures.today) == .full(ResidentID("11010519491231002X", today: Fixtures.today)))
        #expect(try PublishedID("110105491231002", today: Fixtures.today) == .full(ResidentID("11010519491231002X", today: Fixtures.today)))
        #expect(try PublishedID("1101051949****002X", today: Fixtures.today).display == "1101051949****002X")
        #expect(try PublishedID("11010519491231002X", today: Fixtures.today).display == "110105********002X")
    }

    @Test func unifiedSocialCreditCode() throws {
        let code = try SocialCreditCode("91350100M000100Y43")
        #expect(code.registrationAuthority == "9")
        #expect(code.regionCode == "350100")
        #expect(try SocialCreditCode("91350100m000100y43").value == "91350100M000100Y43")
        #expect((try? SocialCreditCode("91350100M000100Y44")) == nil)
        let bad = #expect(throws: IdentifierError.self) { try SocialCreditCode("91350100I000100Y43") }
        #expect(bad?.code == .creditCodeCharacter)
        #expect((try? SocialCreditCode("91350100M000100Y4")) == nil)
    }

    @Test(arguments: [
        ("张三", "张三"), (" 张 三 ", "张三"), ("买买提 • 艾力", "买买提·艾力"), ("买买提・艾力", "买买提·艾力"),
        ("买买提.艾力", "买买提·艾力"), ("买买提··艾力", "买买提·艾力"), ("ＡＢＣ", "ABC"), ("张\u{3000}伟", "张伟"),
        ("𠀀明", "𠀀明"), ("阿依古丽．吐尔逊", "阿依古丽·吐尔逊"),
    ])
    func nameNormalisation(raw: String, expected: String) {
        #expect(NormalisedName(raw).value == expected)
    }

    /// Trimming agrees with Foundation's `.whitespacesAndNewlines` on every white space scalar and on
    /// seeded random strings around them.
    @Test func whiteSpaceIsTrimmedAsFoundationTrimsIt() {
        let space = (0...0x3000).compactMap(Unicode.Scalar.init).filter { CharacterSet.whitespacesAndNewlines.contains($0) || $0.properties.isWhitespace }
        let others: [Unicode.Scalar] = ["张", "a", "·", "\u{200B}", "\u{FEFF}", "\u{180E}", "\u{1F600}", "-"]
        var random = SeededRandom(seed: 2026)
        var samples = ["", " ", "张三", " 张 三 ", "\u{3000}张伟\u{3000}", "\t\n", "\u{200B}张\u{200B}"]
        for _ in 0..<2000 {
            let length = Int.random(in: 0...6, using: &random)
            samples.append(String(String.UnicodeScalarView((0..<length).map { _ in
                Bool.random(using: &random) ? space.randomElement(using: &random)! : others.randomElement(using: &random)!
            })))
        }
        for sample in samples {
            #expect(sample.trimmingWhiteSpace() == sample.trimmingCharacters(in: .whitespacesAndNewlines), "\(sample.unicodeScalars.map(\.value))")
        }
    }

    @Test(arguments: [
        ("(2019)湘0102执1234号", "(2019)湘0102执1234号"), ("（2019）湘0102执1234号", "(2019)湘0102执1234号"),
        ("〔2020〕京01执恢 88号", "(2020)京01执恢88号"), ("(２０２１)粤0304执保５号", "(2021)粤0304执保5号"),
        ("(2022)最高法执监12号", "(2022)最高法执监12号"),
    ])
    func caseNumbersNormalise(raw: String, expected: String) throws {
        #expect(try CaseNumber(raw).normalised == expected)
    }

    @Test func caseNumberParts() throws {
        let number = try CaseNumber("（2019）湘0102执恢1234号")
        #expect(number.year == 2019)
        #expect(number.courtCode == "湘0102")
        #expect(number.caseType == "执恢")
        #expect(number.sequence == 1234)
    }

    @Test(arguments: ["2019湘0102执1234号", "(19)湘0102执1234号", "(2019)X0102执1234号", "(2019)湘0102民初1234号", "(2019)湘0102执1234", "(2019)湘012执1号"])
    func badCaseNumbers(raw: String) {
        #expect(throws: CaseNumberError.self) { try CaseNumber(raw) }
    }

    /// Found by the fuzzer (Scripts/fuzz, case-number): both were read as case numbers whose
    /// normalised text does not read back as the same number.
    @Test(arguments: [
        // 〔2015〕最高法执 then the invalid sequence E7 23 and a NUL in the case type, then 06号.
        [0xE3, 0x80, 0x94] + Array("2015".utf8) + [0xE3, 0x80, 0x95] + Array("最高法执".utf8) + [0xE7, 0x23, 0x00] + Array("06号".utf8),
        Array("(0512)最高法执监12号".utf8),
    ])
    func caseNumbersTheFuzzerFoundAreRefused(bytes: [UInt8]) {
        #expect(throws: CaseNumberError.self) { try CaseNumber(utf8: bytes[...]) }
    }
}

@Suite("Byte-level parsing agrees with string parsing")
struct ByteParsingTests {
    @Test func caseNumberHashEqualsTheHashOfItsNormalisedText() throws {
        for text in ["(2019)湘0102执1234号", "（2020）京01执恢88号", "(2022)最高法执监12号", "(2014)新2801执5号"] {
            let number = try CaseNumber(text)
            var direct = FNV1a64()
            number.hashNormalised(into: &direct)
            var viaString = FNV1a64()
            viaString.combine(number.normalised.utf8)
            #expect(direct.value == viaString.value)
        }
    }

    @Test func datesFromBytes() throws {
        #expect(try CalendarDay(parsingUTF8: ArraySlice("2019年05月01日".utf8)).description == "2019-05-01")
        #expect(try CalendarDay(parsingUTF8: ArraySlice("20190501".utf8)).description == "2019-05-01")
        #expect(throws: CalendarDayError.self) { try CalendarDay(parsingUTF8: ArraySlice("2019年05月01號".utf8)) }
        #expect(throws: CalendarDayError.self) { try CalendarDay(parsingUTF8: ArraySlice("201905011".utf8)) }
    }
}
