import Synchronization

/// An audit entry announced to the log before it is made (``Auditor/announcing(_:)``): the first
/// record made in the announcing task takes it.
final class AuditAnnouncement: Sendable {
    @TaskLocal static var current: AuditAnnouncement?

    private let taken = Atomic<Bool>(false)

    /// True the first time only: tasks started inside the announcing one inherit the announcement,
    /// and only one of them may end it.
    func take() -> Bool {
        taken.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
    }
}
