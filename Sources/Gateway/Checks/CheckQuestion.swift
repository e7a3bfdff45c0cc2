import ArchiveClient
import CreditCore
import Foundation
import GatewayAPI

/// A check request, validated: the candidate, the purpose, and the policy and day to judge by.
///
/// Everything the contract cannot say (an ID that fails GB 11643, an empty consent reference, an
/// unknown policy, a day in the future) is refused here with a 422 naming the field.
struct CheckQuestion: Sendable {
    var candidate: Candidate
    var displayName: String
    var purpose: Components.Schemas.Purpose
    var policy: Policy
    var asOf: CalendarDay
    var `operator`: String?

    /// The settings every candidate of a request shares: purpose, policy, day, operator.
    struct Terms: Sendable {
        var purpose: Components.Schemas.Purpose
        var policy: Policy
        var asOf: CalendarDay
        var `operator`: String?
        /// The day the question was asked (China time): no candidate's birth date may follow it.
        var today: CalendarDay

        init(purpose: Components.Schemas.Purpose, policy name: String?, asOf: String?, operator: String?,
             policies: PolicyCatalog, defaultPolicy: String, today: CalendarDay) throws(Problem) {
            for (field, value, limit) in [("code", purpose.code, 64), ("recruitmentId", purpose.recruitmentId, 128),
                                          ("consentReference", purpose.consentReference, 256)] {
                let trimmed = value.trimmingWhiteSpace()
                guard !trimmed.isEmpty else {
                    throw .invalid(code: "purpose.missing", "purpose.\(field) must not be empty", pointer: "/purpose/\(field)")
                }
                guard value.unicodeScalars.count <= limit else {
                    throw .invalid(code: "purpose.too-long", "purpose.\(field) has more than \(limit) characters", pointer: "/purpose/\(field)")
                }
            }
            guard purpose.code.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw .invalid(code: "purpose.code", "purpose.code is lower-case letters, digits and '-'", pointer: "/purpose/code")
            }
            self.purpose = purpose
            self.today = today
            policy = try Self.policy(named: name, purpose: purpose.code, policies: policies, defaultPolicy: defaultPolicy)
            self.asOf = try Self.day(asOf, today: today)
            self.operator = try Self.operatorName(`operator`)
        }

        /// The policy named, or the one serving the purpose (appraisal, appointment ...), or the default.
        static func policy(named name: String?, purpose: String, policies: PolicyCatalog, defaultPolicy: String) throws(Problem) -> Policy {
            do {
                return try name.map { try policies.policy(named: $0) } ?? policies.policy(forPurpose: purpose) ?? policies.policy(named: defaultPolicy)
            } catch {
                throw .invalid(code: "policy.unknown", "no policy named \(name ?? defaultPolicy)", pointer: "/policy")
            }
        }

        /// An as-of day: today when absent, never after today.
        static func day(_ text: String?, today: CalendarDay, pointer: String = "/asOf") throws(Problem) -> CalendarDay {
            guard let text else { return today }
            guard let day = try? CalendarDay(parsing: text) else {
                throw .invalid(code: "as-of.format", "\(pointer.dropFirst()) is a date, YYYY-MM-DD", pointer: pointer)
            }
            guard day <= today else { throw .invalid(code: "as-of.future", "\(pointer.dropFirst()) is after today (China time)", pointer: pointer) }
            return day
        }

        static func operatorName(_ name: String?) throws(Problem) -> String? {
            if let name, name.unicodeScalars.count > 128 {
                throw .invalid(code: "operator.too-long", "operator has more than 128 characters", pointer: "/operator")
            }
            return name
        }
    }

    /// Validates one candidate; `pointer` is where the candidate sits in the request body.
    init(name: String?, idNumber: String?, terms: Terms, pointer: String) throws(Problem) {
        (candidate, displayName) = try Self.candidate(name: name, idNumber: idNumber, today: terms.today, pointer: pointer)
        purpose = terms.purpose
        policy = terms.policy
        asOf = terms.asOf
        self.operator = terms.operator
    }

    /// A person named in a request (a check, a file read): the name normalised, the ID validated,
    /// and the name as given (trimmed) to show.
    static func candidate(name: String?, idNumber: String?, today: CalendarDay, pointer: String) throws(Problem) -> (Candidate, String) {
        guard let idNumber else { throw .malformed("the field idNumber is required", pointer: pointer + "/idNumber") }
        guard let name else { throw .malformed("the field name is required", pointer: pointer + "/name") }
        let normalised = NormalisedName(name)
        // Counted as the contract counts (JSON Schema: code points), before normalising.
        guard !normalised.value.isEmpty, name.unicodeScalars.count <= 64 else {
            throw .invalid(code: "name.invalid", "name is empty or longer than 64 characters", pointer: pointer + "/name")
        }
        let id: ResidentID
        do {
            // The parser ignores spaces and tabs around the number, as the contract says.
            id = try ResidentID(idNumber, today: today)
        } catch {
            // The reason names the rule broken, never the number.
            throw .invalid(code: error.code.rawValue, error.reason, pointer: pointer + "/idNumber")
        }
        return (Candidate(name: normalised, id: id), name.trimmingWhiteSpace())
    }
}
