using Microsoft.EntityFrameworkCore;

namespace Tickets.Api.Data;

/// <summary>
/// Row locks for the changes that publish an event before they save (publish, then save: the outbox of issue 3 will
/// make the pair atomic). Two requests changing the same row queue behind the lock, so the second one reads the first
/// one's committed version and is refused with 409 before it has published anything. Without it, the loser's event
/// would already be on the bus when its UPDATE failed. The version check (xmin, revision) still decides who wins.
/// Call inside a transaction; the lock is held until it ends.
/// </summary>
internal static class RowLocks
{
    public static Task TicketAsync(TicketsDbContext db, Guid id, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"""SELECT 1 FROM tickets WHERE "Id" = {id} FOR UPDATE""", cancellationToken);

    public static Task TimeEntryAsync(TicketsDbContext db, Guid id, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"""SELECT 1 FROM time_entries WHERE "Id" = {id} FOR UPDATE""", cancellationToken);

    public static Task ClientAsync(TicketsDbContext db, Guid id, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"""SELECT 1 FROM clients WHERE "Id" = {id} FOR UPDATE""", cancellationToken);

    /// <summary>Serialises changes to a team's on-call schedule, so two overlapping overrides cannot both pass the check.</summary>
    public static Task TeamAsync(TicketsDbContext db, Guid id, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"""SELECT 1 FROM teams WHERE "Id" = {id} FOR UPDATE""", cancellationToken);
}
