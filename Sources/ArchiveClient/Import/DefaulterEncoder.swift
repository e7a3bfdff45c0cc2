import CreditCore
import Synchronization

/// Validates and encodes defaulter lines, on as many parser threads as the import runs.
///
/// The parsers share one interner, so a line may use a text that a line later in the file met
/// first, and whose `texts` row is therefore stored after it. Both land in the import's one
/// transaction, and a line is interned only once it has passed validation, so the row is stored.
package final class DefaulterEncoder: Sendable {
    let today: CalendarDay
    let interner: Mutex<TextInterner>

    package init(today: CalendarDay, interner: TextInterner) {
        self.today = today
        self.interner = Mutex(interner)
    }

    package func encode(_ row: FieldRow) -> Result<DefaulterFeed.Encoded, ImportIssue> {
        DefaulterFeed.encode(row, today: today, interner: interner)
    }
}
