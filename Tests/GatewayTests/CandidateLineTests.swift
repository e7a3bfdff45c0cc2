import CreditCore
import Foundation
@testable import Gateway
import GatewayAPI
import Testing

/// A batch job's input lines: the usual ones read directly, every other one by `JSONDecoder`, and
/// the two always agree (the `candidate-line` fuzz target holds them to it on any bytes).
@Suite("Candidate lines")
struct CandidateLineTests {
    static func decoded(_ line: String) -> Components.Schemas.BatchCandidate? {
        try? CheckStore.decoder.decode(Components.Schemas.BatchCandidate.self, from: Data(line.utf8))
    }

    @Test(arguments: [
        #"{"name":"张三","idNumber":"11010519491231002X","reference":"r0"}"#,
        #"{"reference":"第 3 行/3","idNumber":"110105194912310021","name":"李四"}"#,
        "{\"name\":\"王五\",\"idNumber\":\"110105194912310021\"}\r",
        #"{"name":null,"idNumber":"x"}"#,
        #"{}"#,
        #"  {"name":"a"}  "#,
        #"{"name": "张三", "idNumber": "11010519491231002X", "reference": "r0"}"#,
        "{ \"name\" :\t\"a\" ,\n\"idNumber\" : null }",
    ])
    func usualLinesAreReadDirectlyAsJSONDecoderReadsThem(line: String) throws {
        let plain = try #require(CandidateLine.plain(Data(line.utf8)))
        #expect(plain == Self.decoded(line))
        #expect(CandidateLine.decode(Data(line.utf8)) == plain)
    }

    @Test(arguments: [
        #"{"name":"a\"b","idNumber":"1"}"#,
        #"{"name":"\u5f20\u4e09"}"#,
        #"{"name":"a","extra":1}"#,
        #"{"name":"a","name":"b"}"#,
        #"{"name":"a","idNumber":12}"#,
        #"{"name":"a",}"#,
        #"["name"]"#,
        #"{"name":"a"} x"#,
        "not json",
        "",
    ])
    func otherLinesGoToJSONDecoder(line: String) {
        #expect(CandidateLine.plain(Data(line.utf8)) == nil)
        #expect(CandidateLine.decode(Data(line.utf8)) == Self.decoded(line))
    }

    /// Lines cut and spliced at random: whatever is read directly is what `JSONDecoder` reads.
    @Test func mangledLinesNeverDisagree() {
        let seeds = Array(#"{"name":"张三","idNumber":"11010519491231002X","reference":"r\"0"} null,:"#.utf8) + [0x09, 0x0A, 0x0D, 0x00]
        var random = SeededRandom(seed: 16)
        var readDirectly = 0
        for _ in 0..<20_000 {
            var bytes = Array(#"{"name":"张三","idNumber":"11010519491231002X","reference":"r0"}"#.utf8)
            for _ in 0..<Int(random.next() % 3) {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(seeds[Int(random.next() % UInt64(seeds.count))], at: at)
                default: bytes[at] = seeds[Int(random.next() % UInt64(seeds.count))]
                }
            }
            let line = Data(bytes)
            if let plain = CandidateLine.plain(line) {
                readDirectly += 1
                #expect(plain == (try? CheckStore.decoder.decode(Components.Schemas.BatchCandidate.self, from: line)), "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(readDirectly > 1000)
    }
}
