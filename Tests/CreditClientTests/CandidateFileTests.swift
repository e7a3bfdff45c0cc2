import CreditCore
@testable import CreditClient
import Foundation
import Testing

@Suite("Candidate files as HR staff have them")
struct CandidateFileTests {
    static let today = CalendarDay(dayNumber: 20_600)

    @Test func utf8WithBOMAndChineseHeadersInAnyOrder() throws {
        let text = "编号,身份证号,姓名\r\nA-1,11010519491231002X,张三\r\nA-2,110105491231002,\"李,四\"\r\n"
        let file = try CandidateFile(bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8), today: Self.today)
        #expect(file.encoding == .utf8)
        #expect(file.badRows.isEmpty)
        #expect(file.candidates.map(\.name) == ["张三", "李,四"])
        #expect(file.candidates.map(\.reference) == ["A-1", "A-2"])
        // The legacy 15-digit number is sent as its 18-character form.
        #expect(file.candidates[1].idNumber == "11010519491231002X")
        #expect(file.candidates.map(\.line) == [2, 3])
    }

    @Test func gb18030AsExcelSavesIt() throws {
        let text = "姓名,身份证号\r\n欧阳娜娜,11010519491231002X\r\n买买提·艾力,11010519491231002X\r\n"
        let bytes = try #require(text.data(using: CSV.Encoding.foundationGB18030))
        #expect(String(validating: Array(bytes), as: UTF8.self) == nil)
        let file = try CandidateFile(bytes: Array(bytes), today: Self.today)
        #expect(file.encoding == .gb18030)
        #expect(file.candidates.map(\.name) == ["欧阳娜娜", "买买提·艾力"])
    }

    @Test func badRowsAreListedByLineWithoutEchoingTheID() throws {
        let text = """
            name,idNumber
            张三,11010519491231002X
            李四,110105194912310021
            ,11010519491231002X

            "王
            五",11010519491231002X
            赵六,12345
            吴九,110105209912310125
            """
        let file = try CandidateFile(bytes: Array(text.utf8), today: Self.today)
        #expect(file.candidates.map(\.line) == [2, 6])
        #expect(file.candidates[1].name == "王\n五")
        #expect(file.badRows.map(\.line) == [3, 4, 8, 9])
        #expect(file.badRows.map(\.code) == ["id.checksum", "name.missing", "id.length", "id.birth-date-future"])
        for row in file.badRows { #expect(!row.reason.contains("110105194912310021") && !row.reason.contains("110105209912310125")) }
    }

    @Test func aFileWithoutTheNeededColumnsIsAUsageError() {
        #expect(throws: UsageError.self) { try CandidateFile(bytes: Array("who,what\nx,y\n".utf8), today: Self.today) }
        #expect(throws: UsageError.self) { try CandidateFile(bytes: [], today: Self.today) }
    }
}
