/// Every word the client shows a person, in Chinese and in English.
///
/// Chinese when the locale is Chinese (`LC_ALL`, `LC_MESSAGES`, `LANG` starting with `zh`),
/// English otherwise; `--lang zh|en` (or `CREDIT_LANG`) forces either.
package struct Labels: Sendable {
    package var clear, review, ineligible: String
    package var recommendationOnly: String
    package var candidate, policy, archive, asOf, checkedAt, checkId, receipt: String
    package var reasons, basis, evidence: String
    package var evidenceColumns: [String]
    package var noReasons: String
    package var badRows: String
    package var summary: String
    package var clearCount, reviewCount, ineligibleCount, errorCount: String
    package var resultsColumns: [String]
    /// The columns of `credit watch add`'s watches file and of `credit events`' events file.
    package var watchColumns: [String]
    package var eventColumns: [String]
    package var verified, notVerified: String
    package var steps: [ReceiptVerifier.Step: String]
    package var resuming: String
    package var verifying: String
    package var rows: String

    package func decision(_ code: String) -> String {
        switch code {
        case "CLEAR": clear
        case "REVIEW": review
        case "INELIGIBLE": ineligible
        default: code
        }
    }

    package static let english = Labels(
        clear: "CLEAR — no restriction found", review: "REVIEW — a person must look at the evidence",
        ineligible: "INELIGIBLE — not to be hired (a recommendation until a person confirms it)",
        recommendationOnly: "This is a recommendation: record the final decision with `credit dispose`.",
        candidate: "Candidate", policy: "Policy", archive: "Archive version", asOf: "As of", checkedAt: "Checked at",
        checkId: "Check ID", receipt: "Receipt", reasons: "Reasons", basis: "Basis", evidence: "Evidence",
        evidenceColumns: ["source", "match", "status", "case / record", "court / issuer", "listed / decided", "deleted / until"],
        noReasons: "No listing or record applies.",
        badRows: "Rows that cannot be checked (not sent)", summary: "Summary",
        clearCount: "clear", reviewCount: "review", ineligibleCount: "ineligible", errorCount: "not checked",
        resultsColumns: ["line", "reference", "name", "maskedId", "decision", "reasons", "checkId", "receipt", "error"],
        watchColumns: ["line", "reference", "name", "maskedId", "watchId", "decision", "checkId", "until", "receipt", "error"],
        eventColumns: ["cursor", "time", "watchId", "reference", "maskedId", "previousDecision", "decision", "cause", "checkId", "receipt"],
        verified: "verified", notVerified: "NOT VERIFIED",
        steps: [.digest: "content digest", .signature: "signature", .proofs: "audit proofs", .witnesses: "witnesses"],
        resuming: "Resuming the interrupted batch", verifying: "verifying the signed results…", rows: "rows")

    package static let chinese = Labels(
        clear: "未发现限制 (CLEAR)", review: "需人工复核 (REVIEW)",
        ineligible: "不得录用 (INELIGIBLE)，经人工确认前仅为建议",
        recommendationOnly: "此结果为建议：请用 `credit dispose` 记录最终处理决定。",
        candidate: "考生", policy: "审查规则", archive: "档案版本", asOf: "审查基准日", checkedAt: "审查时间",
        checkId: "核查编号", receipt: "回执", reasons: "原因", basis: "依据", evidence: "证据",
        evidenceColumns: ["来源", "匹配", "状态", "案号/记录", "法院/机关", "发布/决定日期", "删除/截止日期"],
        noReasons: "未发现适用的名单或记录。",
        badRows: "无法核查的行（未发送）", summary: "汇总",
        clearCount: "未发现限制", reviewCount: "需复核", ineligibleCount: "不得录用", errorCount: "未核查",
        resultsColumns: ["行号", "编号", "姓名", "身份证号(脱敏)", "结论", "原因", "核查编号", "回执", "错误"],
        watchColumns: ["行号", "编号", "姓名", "身份证号(脱敏)", "监测编号", "结论", "核查编号", "监测至", "回执", "错误"],
        eventColumns: ["游标", "时间", "监测编号", "编号", "身份证号(脱敏)", "原结论", "新结论", "原因", "核查编号", "回执"],
        verified: "验证通过", notVerified: "验证失败",
        steps: [.digest: "内容摘要", .signature: "签名", .proofs: "审计证明", .witnesses: "见证人联署"],
        resuming: "继续未完成的批量核查", verifying: "正在验证已签名的结果…", rows: "行")

    /// `--lang` (or `CREDIT_LANG`) when given, else the locale of the environment.
    package static func choose(_ language: String?, environment: [String: String]) -> Labels {
        let chosen = language ?? environment["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["LC_MESSAGES"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["LANG"] ?? ""
        return chosen.lowercased().hasPrefix("zh") ? .chinese : .english
    }
}
