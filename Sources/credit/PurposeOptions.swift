import ArgumentParser
import CreditClient
import CreditCore

/// Why a check is made, and under which policy and day: the same for a single check and a batch.
struct PurposeOptions: ParsableArguments {
    @Option(help: "The purpose code, e.g. civil-service-exam ($CREDIT_PURPOSE).") var purpose: String?
    @Option(help: "The recruitment (exam or posting) the check is for ($CREDIT_RECRUITMENT_ID).") var recruitment: String?
    @Option(help: "The reference of the candidates' signed consent, or the legal duty relied on ($CREDIT_CONSENT).") var consent: String?
    @Option(help: "The policy, e.g. civil-service-2026 (default: the gateway's; $CREDIT_POLICY).") var policy: String?
    @Option(name: .customLong("as-of"), help: "Check as of this day, YYYY-MM-DD (default: today).") var asOf: String?
    @Option(name: .customLong("operator"), help: "You, the HR user acting ($CREDIT_OPERATOR).") var operatorName: String?

    func fill(_ settings: inout Settings) {
        settings.purpose = purpose
        settings.recruitmentId = recruitment
        settings.consentReference = consent
        settings.policy = policy
        settings.operator = operatorName
    }

    func terms(_ settings: Settings) throws -> BatchState.Terms {
        if let asOf {
            do { _ = try CalendarDay(parsing: asOf) } catch { throw UsageError("--as-of must be a day, YYYY-MM-DD") }
        }
        return BatchState.Terms(
            purpose: try settings.require(\.purpose, flag: "purpose"), recruitmentId: try settings.require(\.recruitmentId, flag: "recruitment"),
            consentReference: try settings.require(\.consentReference, flag: "consent"), policy: settings.policy, asOf: asOf,
            operator: settings.operator)
    }
}
