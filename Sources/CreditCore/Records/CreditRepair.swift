/// Credit repair (信用修复) as the NDRC measures in force since 2026-04-01 allow it: a record may be
/// repaired only once it has been published for its minimum period, counted from its decision day
/// (minor records are not published, so at once; general after 3 months; serious after 1 year).
///
/// ```swift
/// CreditRepair.earliestDay(for: record)  // record.decidedOn + 1 year for a serious record
/// ```
public enum CreditRepair {
    /// Why a repair is asked for (the measures' grounds, and the seeds' 挽回损失).
    public enum Ground: String, Sendable, Hashable, Codable, CaseIterable {
        /// 履行法定义务 / 纠正失信行为: the obligations are met.
        case obligationsFulfilled = "obligations-fulfilled"
        /// 作出信用承诺: a public commitment has been made.
        case publicCommitment = "public-commitment"
        /// 主动挽回损失、消除不良影响: the loss was recovered or the harm prevented.
        case lossRecovered = "loss-recovered"
    }

    /// Months a record of this severity must be published before it may be repaired.
    public static func minimumMonths(_ severity: Severity) -> Int {
        switch severity {
        case .minor: 0
        case .general: 3
        case .serious: 12
        }
    }

    /// The first day a repair of the record may take effect.
    public static func earliestDay(for record: DishonestyRecord) -> CalendarDay {
        record.decidedOn.adding(months: minimumMonths(record.severity))
    }
}
