using Billing.Api.Data;
using Billing.Api.Domain;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Contracts;

namespace Billing.Api.Consumers;

/// <summary>
/// Keeps each time entry on its ticket's billing record at the highest revision seen, and the record's billable minutes
/// at the sum of those revisions. The record's row stays locked (in the consumer outbox's transaction) while an entry is
/// applied, so entries for one ticket take turns and the sum is never computed from a half-applied state. An older
/// revision arriving late, a redelivery and a republished copy all change nothing: revisions are compared, not added.
/// </summary>
public sealed class TimeEntryRecordedConsumer(BillingDbContext db, ILogger<TimeEntryRecordedConsumer> logger) : IConsumer<TimeEntryRecorded>
{
    public async Task Consume(ConsumeContext<TimeEntryRecorded> context)
    {
        var recorded = context.Message;
        var cancellationToken = context.CancellationToken;
        Telemetry.TagTicket(recorded.TicketId, recorded.ClientId);
        var workType = Enum.Parse<WorkType>(recorded.WorkType); // tickets accepts only these names

        // TicketOpened normally arrives long before; if not, the retry policy brings this message back when it has.
        var record = await db.Records.FromSql($"SELECT * FROM billing_records WHERE \"TicketId\" = {recorded.TicketId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotYetKnownException($"Ticket {recorded.TicketId} has no billing record yet.");

        var entry = await db.TimeEntries.SingleOrDefaultAsync(e => e.TimeEntryId == recorded.TimeEntryId, cancellationToken);
        if (entry is not null && entry.Revision >= recorded.Revision)
        {
            logger.LogDebug("Time entry {TimeEntryId} revision {Revision} is not newer than {Stored}; nothing to do",
                recorded.TimeEntryId, recorded.Revision, entry.Revision);
            return;
        }
        if (entry is null)
        {
            entry = new TimeEntry
            {
                TimeEntryId = recorded.TimeEntryId, TicketId = record.TicketId, ClientId = record.ClientId,
                Responder = recorded.Responder, RecordedBy = recorded.RecordedBy,
            };
            db.TimeEntries.Add(entry);
        }
        // An invoiced entry whose billed quantities change is flagged: its invoice keeps what it showed (ADR 35).
        if (entry.InvoiceId is not null && (entry.Minutes != recorded.Minutes || entry.WorkType != workType || entry.Responder != recorded.Responder
                || Math.Abs((entry.StartedAt - recorded.StartedAt).TotalMilliseconds) >= 1))
        {
            entry.EditedAfterInvoicingAt = recorded.RecordedAt.ToUniversalTime();
            logger.LogWarning("Time entry {TimeEntryId} on invoice {InvoiceId} was edited (revision {Revision}): flagged for a credit note or review",
                entry.TimeEntryId, entry.InvoiceId, recorded.Revision);
        }
        entry.Revision = recorded.Revision;
        entry.Responder = recorded.Responder;
        // Instants are stored in UTC (timestamptz takes no other offset); the client's zone comes from its calendar.
        entry.StartedAt = recorded.StartedAt.ToUniversalTime();
        entry.EndedAt = recorded.EndedAt?.ToUniversalTime();
        entry.Minutes = recorded.Minutes;
        entry.WorkType = workType;
        entry.Note = recorded.Note;
        entry.PreAuthorised = recorded.PreAuthorised;
        entry.RecordedAt = recorded.RecordedAt.ToUniversalTime();
        entry.RecordedBy = recorded.RecordedBy;
        await db.SaveChangesAsync(cancellationToken);

        record.BillableMinutes = await db.TimeEntries.Where(e => e.TicketId == record.TicketId).SumAsync(e => e.Minutes, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Time entry {TimeEntryId} revision {Revision} on SD#{Number}: {Minutes} min {WorkType} for {Responder}",
            entry.TimeEntryId, entry.Revision, record.TicketNumber, entry.Minutes, entry.WorkType, entry.Responder);
    }
}
