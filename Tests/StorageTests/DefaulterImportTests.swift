import ArchiveClient
import CreditCore
import Foundation
import Testing

@Suite("Defaulter feed import and as-of lookup")
struct DefaulterImportTests {
    /// 张三 11010519491231002X, listed twice: case A exact (later deleted), case B masked.
    static let feed = """
        {"iname":"张三","cardNum":"11010519491231002X","caseCode":"(2019)湘0102执1234号","courtName":"长沙市芙蓉区人民法院","publishDate":"2019年05月01日","regDate":"20190301","disruptTypeName":"违反财产报告制度"}
        {"iname":"张三","cardNum":"1101051949****002X","caseCode":"（2021）京0105执88号","publishDate":"2021年06月01日"}
        {"op":"delete","opDate":"2022-03-01","iname":"张三","caseCode":"(2019)湘0102执1234号"}
        {"iname":"李四","cardNum":"430102198001010011","caseCode":"(2020)湘0102执9号","publishDate":"2020年01月10日"}
        {"op":"revoke","opDate":"2020-02-01","iname":"李四","caseCode":"(2020)湘0102执9号"}
        {"iname":"王五","cardNum":"440106851010123","caseCode":"(2018)京01执5号","publishDate":"2018年01月01日"}
        {"iname":"赵六","cardNum":"342301196403153221","caseCode":"(2023)皖0102执1号","publishDate":"2023年01月01日","performance":"全部未履行"}
        {"op":"correct","opDate":"2024-01-01","iname":"赵六","cardNum":"430102198001010011","caseCode":"(2023)皖0102执1号","publishDate":"2023年01月01日","performance":"部分未履行"}

        """

    @Test(arguments: StorageBackend.allCases)
    func exactProbableAndAsOf(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        let report = try await t.archive.importDefaulters(from: try t.file("feed.ndjson", Self.feed), options: .init())
        #expect(report.accepted == 8)
        #expect(report.rejected == 0)
        #expect(report.version.sequence == 1)
        #expect(report.version.contentHash.count == 64)

        let zhang = try TestArchive.candidate("张 三", "11010519491231002X")
        // 2020: case A active (exact); case B not yet published.
        var lookup = try await t.archive.lookup([zhang], asOf: try TestArchive.day("2020-06-01"))
        #expect(lookup.version == report.version)
        #expect(lookup.findings[0].defaulterMatches.map(\.0) == [.exact])
        // 2021-07: A active (exact), B active (probable).
        lookup = try await t.archive.lookup([zhang], asOf: try TestArchive.day("2021-07-01"))
        #expect(Set(lookup.findings[0].defaulterMatches.map { "\($0.0)-\($0.1)" }) == ["exact-active", "probable-active"])
        // 2022-03-01: A deleted that day.
        lookup = try await t.archive.lookup([zhang], asOf: try TestArchive.day("2022-03-01"))
        #expect(Set(lookup.findings[0].defaulterMatches.map { "\($0.0)-\($0.1)" }) == ["exact-deleted", "probable-active"])
    }

    @Test(arguments: StorageBackend.allCases)
    func probableNeedsTheSameNameAndConsistentDigits(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        _ = try await t.archive.importDefaulters(from: try t.file("feed.ndjson", Self.feed), options: .init())
        let other = try TestArchive.candidate("张山", "11010519491231002X")
        let lookup = try await t.archive.lookup([other], asOf: try TestArchive.day("2021-07-01"))
        // Exact still found by ID; the masked listing needs the name too.
        #expect(lookup.findings[0].defaulterMatches.map(\.0) == [.exact])
        let sameNameOtherID = try TestArchive.candidate("张三", "110105194912310038")
        let none = try await t.archive.lookup([sameNameOtherID], asOf: try TestArchive.day("2021-07-01"))
        #expect(none.findings[0].hits.isEmpty)
    }

    @Test(arguments: StorageBackend.allCases)
    func revokedLegacyAndCorrected(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        _ = try await t.archive.importDefaulters(from: try t.file("feed.ndjson", Self.feed), options: .init())
        let li = try TestArchive.candidate("李四", "430102198001010011")
        let wang = try TestArchive.candidate("王五", "440106198510101234")
        let zhao = try TestArchive.candidate("赵六", "342301196403153221")
        let before = try await t.archive.lookup([li, wang, zhao], asOf: try TestArchive.day("2020-01-20"))
        #expect(before.findings[0].defaulterMatches.count == 1)
        // The legacy 15-digit listing is found by the candidate's 18-digit number.
        #expect(before.findings[1].defaulterMatches.map(\.2).contains("(2018)京01执5号"))
        let after = try await t.archive.lookup([li, wang, zhao], asOf: try TestArchive.day("2024-06-01"))
        // Li's only listing was revoked, Zhao's corrected to another ID; the corrected one is Li's now.
        #expect(after.findings[0].defaulterMatches.map(\.2) == ["(2023)皖0102执1号"])
        #expect(after.findings[2].hits.isEmpty)
        let mid = try await t.archive.lookup([zhao], asOf: try TestArchive.day("2023-06-01"))
        #expect(mid.findings[0].defaulterMatches.count == 1)
    }

    @Test(arguments: StorageBackend.allCases)
    func reimportingTheSameFileChangesNothing(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        let url = try t.file("feed.ndjson", Self.feed)
        let first = try await t.archive.importDefaulters(from: url, options: .init())
        let stats = try await t.archive.statistics()
        let second = try await t.archive.importDefaulters(from: url, options: .init())
        #expect(second.alreadyImported)
        #expect(second.version == first.version)
        #expect(try await t.archive.statistics() == stats)
        #expect(try await t.archive.version() == first.version)
    }

    @Test(arguments: StorageBackend.allCases)
    func answersAtAnEarlierArchiveVersionAreReproducible(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        let v1 = try await t.archive.importDefaulters(from: try t.file("a.ndjson", """
            {"iname":"张三","cardNum":"11010519491231002X","caseCode":"(2019)湘0102执1234号","publishDate":"2019年05月01日"}
            """), options: .init())
        // A deletion dated 2020, delivered later by a second import.
        let v2 = try await t.archive.importDefaulters(from: try t.file("b.ndjson", """
            {"op":"delete","opDate":"2020-01-01","iname":"张三","caseCode":"(2019)湘0102执1234号"}
            """), options: .init())
        #expect(v2.version.sequence == 2)
        let zhang = try TestArchive.candidate("张三", "11010519491231002X")
        let day = try CalendarDay(parsing: "2021-01-01")
        let then = try await t.archive.lookup([zhang], asOf: AsOf(day: day, archiveSequence: v1.version.sequence))
        let now = try await t.archive.lookup([zhang], asOf: AsOf(day: day))
        #expect(then.findings[0].defaulterMatches.map(\.1) == [.active])
        #expect(now.findings[0].defaulterMatches.map(\.1) == [.deleted])
        #expect(now.version == v2.version)
    }

    @Test(arguments: StorageBackend.allCases)
    func badLinesAreReportedAndGoodLinesKept(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        let feed = """
            {"iname":"张三","cardNum":"11010519491231002X","caseCode":"(2019)湘0102执1234号","publishDate":"2019年05月01日"}
            {"iname":"李四","cardNum":"110105194912310021","caseCode":"(2019)湘0102执1235号","publishDate":"2019年05月01日"}
            {"iname":"王五","cardNum":"11010519491231002X","caseCode":"2019-1","publishDate":"2019年05月01日"}
            {"iname":"赵六","cardNum":"11010519491231002X","caseCode":"(2019)湘0102执1236号"}
            not json at all
            {"iname":"孙七","cardNum":"11010519491231002X","caseCode":"(2019)湘0102执1237号","publishDate":"2019年13月01日"}
            {"op":"erase","iname":"周八","caseCode":"(2019)湘0102执1238号","opDate":"2020-01-01"}
            {"iname":"吴九","cardNum":"110105209912310125","caseCode":"(2019)湘0102执1239号","publishDate":"2019年05月01日"}
            """
        let report = try await t.archive.importDefaulters(from: try t.file("bad.ndjson", feed), options: .init())
        #expect(report.accepted == 1)
        #expect(report.rejected == 7)
        #expect(report.issues.map(\.line) == [2, 3, 4, 5, 6, 7, 8])
        #expect(report.issues.map(\.code) == ["id.checksum", "case.format", "feed.missing", "feed.syntax", "feed.value", "feed.value",
                                              "id.birth-date-future"])
        #expect(report.issues[0].field == "cardNum" && report.issues[6].field == "cardNum")
        for issue in report.issues { #expect(!issue.description.contains("110105194912310021") && !issue.description.contains("110105209912310125")) }
    }

    @Test(arguments: StorageBackend.allCases)
    func strictImportRefusesTheWholeFile(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        let feed = """
            {"iname":"张三","cardNum":"11010519491231002X","caseCode":"(2019)湘0102执1234号","publishDate":"2019年05月01日"}
            {"iname":"李四","cardNum":"110105194912310021","caseCode":"(2019)湘0102执1235号","publishDate":"2019年05月01日"}
            """
        await #expect(throws: StrictImportError.self) {
            try await t.archive.importDefaulters(from: try t.file("bad.ndjson", feed), options: .init(strict: true))
        }
        let stats = try await t.archive.statistics()
        #expect(stats.defaulterEvents == 0)
        #expect(stats.version == .empty)
    }

    @Test(arguments: StorageBackend.allCases)
    func jsonArrayFeed(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        let feed = """
            [
              {"iname": "张三", "cardNum": "11010519491231002X", "caseCode": "(2019)湘0102执1234号", "publishDate": "2019年05月01日", "age": 70, "extra": {"nested": [1, 2]}},
              {"iname": "李\\u56db", "cardNum": "1101051949****002X", "caseCode": "(2019)湘0102执1235号", "publishDate": "2019-05-02"}
            ]
            """
        let report = try await t.archive.importDefaulters(from: try t.file("feed.json", feed), options: .init())
        #expect(report.format == "json")
        #expect(report.accepted == 2)
        let li = try TestArchive.candidate("李四", "11010519491231002X")
        let lookup = try await t.archive.lookup([li], asOf: try TestArchive.day("2020-01-01"))
        #expect(lookup.findings[0].defaulterMatches.map(\.0).sorted { $0.rawValue < $1.rawValue } == [.exact, .probable])
    }

    static let csv = """
        姓名,身份证号码,案号,执行法院,发布时间,失信被执行人行为具体情形
        张三,11010519491231002X,（2019）湘0102执1234号,长沙市芙蓉区人民法院,2019年05月01日,"违反财产报告制度,拒不申报"
        买买提·艾力,6501021990****1239,(2020)新01执7号,乌鲁木齐市中级人民法院,2020年02月02日,"多行
        文本"
        坏行,123,(2020)新01执8号,,2020年02月02日,

        """

    @Test(arguments: StorageBackend.allCases)
    func csvWithBOMAndChineseHeaders(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        let url = try t.file("feed.csv", bytes: Data([0xEF, 0xBB, 0xBF]) + Data(Self.csv.utf8))
        let report = try await t.archive.importDefaulters(from: url, options: .init())
        #expect(report.format == "csv")
        #expect(report.encoding == "UTF-8")
        #expect(report.accepted == 2)
        #expect(report.issues.map(\.line) == [5])
        #expect(report.issues.first?.code == "id.length")
    }

    @Test(arguments: StorageBackend.allCases)
    func gb18030CSV(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        let encoded = try #require(Self.csv.data(using: String.Encoding(rawValue: 0x8000_0632)))
        #expect(String(data: encoded, encoding: .utf8) == nil)
        let report = try await t.archive.importDefaulters(from: try t.file("excel.csv", bytes: encoded), options: .init())
        #expect(report.encoding == "GB18030")
        #expect(report.accepted == 2)
        let maimaiti = try TestArchive.candidate("买买提•艾力", "650102199001011239")
        let lookup = try await t.archive.lookup([maimaiti], asOf: try TestArchive.day("2021-01-01"))
        #expect(lookup.findings[0].defaulterMatches.map(\.0) == [.probable])
    }

    @Test(arguments: StorageBackend.allCases)
    func anotherWriterImportsAreSeenAtTheNextLookup(_ backend: StorageBackend) async throws {
        // Two archives on one file stand for two gateways sharing it: the reader's key filter must
        // catch up with what the other one imported.
        let t = try await TestArchive(backend)
        let zhang = try TestArchive.candidate("张三", "11010519491231002X")
        let before = try await t.archive.lookup([zhang], asOf: try TestArchive.day("2026-01-01"))
        #expect(before.findings[0].hits.isEmpty)
        let other = try await t.reopen()
        _ = try await other.importDefaulters(from: try t.file("feed.ndjson", Self.feed), options: .init())
        let after = try await t.archive.lookup([zhang], asOf: try TestArchive.day("2021-07-01"))
        #expect(after.findings[0].defaulterMatches.count == 2)
        _ = try await other.importRecords(from: try t.file("r.ndjson", """
            {"recordId":"X1","name":"张三","idNumber":"11010519491231002X","category":"tax","kind":"administrative-penalty","severity":"serious","decidedOn":"2025-01-01"}
            """), options: .init())
        let records = try await t.archive.lookup([zhang], asOf: try TestArchive.day("2025-06-01"))
        #expect(records.findings[0].records.count == 1)
    }

    @Test(arguments: StorageBackend.allCases)
    func manyCandidatesInOneReadKeepTheirOrder(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        _ = try await t.archive.importDefaulters(from: try t.file("feed.ndjson", Self.feed), options: .init())
        var candidates: [Candidate] = []
        for i in 0..<500 {
            let id = try ResidentID(region: "440106", birthDate: CalendarDay(year: 1990, month: 1, day: 1), sequence: i)
            candidates.append(Candidate(name: NormalisedName("某人"), id: id))
        }
        candidates.insert(try TestArchive.candidate("张三", "11010519491231002X"), at: 250)
        let lookup = try await t.archive.lookup(candidates, asOf: try TestArchive.day("2020-01-01"))
        #expect(lookup.findings.count == 501)
        #expect(lookup.findings.enumerated().filter { !$0.element.hits.isEmpty }.map(\.offset) == [250])
    }
}
