import Attestation

/// What a witness keeps (``WitnessRule``): for each log origin, the last checkpoint it cosigned,
/// and the refused checkpoints that a consistency check failed (evidence of a fork).
public protocol WitnessStore: Sendable {
    /// Atomically: gives `decide` what was last cosigned for `origin`, then keeps what it decided
    /// (the new checkpoint when cosigned; the `submitted` note when inconsistent), durably, before
    /// returning. Two requests for one log never both see the same last checkpoint.
    func update(origin: String, submitted: String, _ decide: @escaping @Sendable (WitnessRule.Cosigned?) -> WitnessRule.Outcome) async throws -> WitnessRule.Outcome

    /// What was last cosigned for `origin`.
    func latest(origin: String) async throws -> WitnessRule.Cosigned?
}
