import CreditCore
import Foundation

/// Real places for synthetic people and courts: the shipped GB/T 2260 county table and the court-code
/// prefix of each province.
public struct Geography: Sendable {
    public struct County: Sendable, Hashable {
        public var code: String
        public var name: String
        public var city: String
        public var province: Province

        /// The basic-level court of the county, named as courts are (`长沙市芙蓉区人民法院`).
        public var courtName: String { "\(city.isEmpty ? province.name : city)\(city == name ? "" : name)人民法院" }

        /// The court code in case numbers: the province abbreviation and the last four digits of the
        /// division code (`湘0102`).
        public var courtCode: String { "\(province.abbreviation)\(code.suffix(4))" }
    }

    public struct Province: Sendable, Hashable {
        public var code: String
        public var abbreviation: String
        public var name: String
    }

    public static let provinces: [String: Province] = {
        let rows: [(String, String, String)] = [
            ("11", "京", "北京市"), ("12", "津", "天津市"), ("13", "冀", "河北省"), ("14", "晋", "山西省"),
            ("15", "蒙", "内蒙古自治区"), ("21", "辽", "辽宁省"), ("22", "吉", "吉林省"), ("23", "黑", "黑龙江省"),
            ("31", "沪", "上海市"), ("32", "苏", "江苏省"), ("33", "浙", "浙江省"), ("34", "皖", "安徽省"),
            ("35", "闽", "福建省"), ("36", "赣", "江西省"), ("37", "鲁", "山东省"), ("41", "豫", "河南省"),
            ("42", "鄂", "湖北省"), ("43", "湘", "湖南省"), ("44", "粤", "广东省"), ("45", "桂", "广西壮族自治区"),
            ("46", "琼", "海南省"), ("50", "渝", "重庆市"), ("51", "川", "四川省"), ("52", "贵", "贵州省"),
            ("53", "云", "云南省"), ("54", "藏", "西藏自治区"), ("61", "陕", "陕西省"), ("62", "甘", "甘肃省"),
            ("63", "青", "青海省"), ("64", "宁", "宁夏回族自治区"), ("65", "新", "新疆维吾尔自治区"),
        ]
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.0, Province(code: $0.0, abbreviation: $0.1, name: $0.2)) })
    }()

    public let counties: [County]

    /// The shipped table (`Resources/gbt2260-counties.tsv`).
    public static func bundled() throws -> Geography {
        guard let url = Bundle.module.url(forResource: "gbt2260-counties", withExtension: "tsv") else {
            throw FeedError(reason: "the bundled GB/T 2260 table is missing")
        }
        return try Geography(tsv: String(contentsOf: url, encoding: .utf8))
    }

    init(tsv: String) throws {
        var counties: [County] = []
        for line in tsv.split(separator: "\n") where !line.hasPrefix("#") {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 2, columns[0].count == 6, let province = Geography.provinces[String(columns[0].prefix(2))] else {
                throw FeedError(reason: "bad GB/T 2260 line: \(line)")
            }
            counties.append(County(code: columns[0], name: columns[1], city: columns.count > 2 ? columns[2] : "", province: province))
        }
        self.counties = counties
    }
}
