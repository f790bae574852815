using System.Globalization;
using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Calendars;

namespace Billing.Api.Data;

/// <summary>What went wrong building or finalising an invoice, for a 409 that says what to fix.</summary>
public sealed class InvoicingConflictException(string title, object? detail = null) : Exception(title)
{
    public object? Detail { get; } = detail;
}

/// <summary>A request that does not fit the invoice it names, for a 400 naming the field.</summary>
public sealed class InvoicingValidationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// Rates a client's entries and builds its invoices. Drafts are built from the entries as they are now; finalising
/// rebuilds the draft inside the transaction that numbers it and marks its entries invoiced, with the series' sequence
/// row and the entries locked, so what is numbered is exactly what is marked, and numbers follow commit order.
/// </summary>
public sealed class Invoicing(CalendarCatalog calendars, TimeProvider time)
{
    public const string InvoiceSeries = "INV";
    public const string CreditNoteSeries = "CN";

    /// <summary>The client's entries (those <paramref name="entries"/> selects), each rated, with the calendar used.</summary>
    public async Task<(IReadOnlyList<RatedEntry> Rated, BusinessCalendar? Calendar)> RateAsync(BillingDbContext db, Guid clientId,
        IQueryable<TimeEntry> entries, CancellationToken cancellationToken)
    {
        var calendar = await calendars.ForClientAsync(db, clientId, cancellationToken);
        var list = await entries.Where(e => e.ClientId == clientId).OrderBy(e => e.StartedAt).ThenBy(e => e.TimeEntryId).ToListAsync(cancellationToken);
        var agreements = await db.Agreements.AsNoTracking().Where(a => a.ClientId == clientId).ToListAsync(cancellationToken);
        var tickets = list.Select(e => e.TicketId).Distinct().ToList();
        var approvals = (await db.Approvals.AsNoTracking().Where(a => tickets.Contains(a.TicketId)).ToListAsync(cancellationToken))
            .ToLookup(a => a.TicketId);
        var blocks = await BlockSettling.Balances(db, clientId).ToListAsync(cancellationToken);
        return (Rater.Rate(list, agreements, calendar, approvals, blocks), calendar);
    }

    /// <summary>
    /// Time nobody has billed yet and with no final state (not rated, awaiting approval, or billable but on no invoice),
    /// rated client by client: one client's (<paramref name="clientId"/>) or every client's.
    /// </summary>
    public async Task<List<RatedEntry>> UnbilledAsync(BillingDbContext db, Guid? clientId, CancellationToken cancellationToken)
    {
        var open = db.TimeEntries.AsNoTracking().Where(e => e.InvoiceId == null);
        var clients = clientId is { } one ? [one] : await open.Select(e => e.ClientId).Distinct().ToListAsync(cancellationToken);
        var unbilled = new List<RatedEntry>();
        foreach (var client in clients)
        {
            var (rated, _) = await RateAsync(db, client, open, cancellationToken);
            unbilled.AddRange(rated.Where(r => r.State is BillingState.Unrated or BillingState.AwaitingApproval or BillingState.Billable));
        }
        return unbilled;
    }

    /// <summary>
    /// A period: a month "yyyy-MM" (the default) or a quarter "yyyy-Qn", as local days from <paramref name="first"/> up to
    /// (not including) <paramref name="next"/>; <see cref="Start"/> makes them instants in the client's calendar's zone.
    /// </summary>
    public static bool TryParsePeriod(string? period, out DateOnly first, out DateOnly next)
    {
        next = default;
        if (period is { Length: 7 } && period[4..6] == "-Q" && period[6] is >= '1' and <= '4'
            && int.TryParse(period[..4], NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is >= 1 and < 9999)
        {
            first = new DateOnly(year, (period[6] - '1') * 3 + 1, 1);
            next = first.AddMonths(3);
            return true;
        }
        if (!DateOnly.TryParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out first) || first.Year == 9999)
            return false;
        next = first.AddMonths(1);
        return true;
    }

    /// <summary>The instant a local day starts in the zone: the one way period bounds become instants (DST-correct).</summary>
    public static DateTimeOffset Start(DateOnly day, TimeZoneInfo zone) =>
        new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue), zone), TimeSpan.Zero);

    /// <summary>Builds (or rebuilds) the client's draft for the period; finalising is <see cref="FinaliseAsync"/>.</summary>
    public async Task<Invoice> DraftAsync(BillingDbContext db, Guid clientId, string period, CancellationToken cancellationToken)
    {
        var draft = await db.Invoices.Include(i => i.Lines)
            .SingleOrDefaultAsync(i => i.ClientId == clientId && i.Period == period && i.Status == InvoiceStatus.Draft, cancellationToken);
        if (draft is null)
        {
            draft = new Invoice
            {
                Id = Guid.CreateVersion7(time.GetUtcNow()), ClientId = clientId, Kind = InvoiceKind.Invoice, Status = InvoiceStatus.Draft,
                Period = period, Currency = "", CreatedAt = time.GetUtcNow(),
            };
            db.Invoices.Add(draft);
        }
        var (lines, _, _) = await BuildAsync(db, draft, db.TimeEntries, cancellationToken);
        Replace(db, draft, lines);
        await db.SaveChangesAsync(cancellationToken);
        return draft;
    }

    /// <summary>
    /// Numbers the draft and marks its entries invoiced, in one transaction. The series' row is locked first, so
    /// concurrent finalisations take turns and get consecutive numbers; a failure rolls the number back with the rest.
    /// </summary>
    public async Task<Invoice> FinaliseAsync(BillingDbContext db, Guid invoiceId, string by, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var sequence = await LockSequenceAsync(db, InvoiceSeries, cancellationToken);
        var draft = await db.Invoices.FromSql($"SELECT * FROM invoices WHERE \"Id\" = {invoiceId} FOR UPDATE").Include(i => i.Lines)
            .SingleOrDefaultAsync(cancellationToken) ?? throw new KeyNotFoundException();
        if (draft.Status != InvoiceStatus.Draft) throw new InvoicingConflictException("The invoice is already finalised: it cannot change.");

        // The client's open entries, locked: a new revision of one waits until this commits.
        var open = db.TimeEntries.FromSql($"SELECT * FROM time_entries WHERE \"ClientId\" = {draft.ClientId} AND \"InvoiceId\" IS NULL FOR UPDATE");
        var (lines, invoiced, unrated) = await BuildAsync(db, draft, open, cancellationToken);
        if (unrated.Count > 0)
            throw new InvoicingConflictException("Some entries of the period have no billing state: give the client an agreement (or a calendar) first.",
                unrated.Select(r => new { r.Entry.TimeEntryId, r.Entry.TicketId, r.Reason }).ToList());
        if (lines.Count == 0) throw new InvoicingConflictException("Nothing to invoice for this period.");

        Replace(db, draft, lines);
        draft.Number = $"{InvoiceSeries}-{sequence.Next:D6}";
        sequence.Next++;
        draft.Status = InvoiceStatus.Finalised;
        draft.FinalisedAt = time.GetUtcNow();
        draft.FinalisedBy = by;
        foreach (var entry in invoiced)
        {
            entry.InvoiceId = draft.Id;
            entry.InvoicedRevision = entry.Revision;
            entry.CoveredByBlock = lines.Where(l => l.TimeEntryId == entry.TimeEntryId).All(l => l.Kind == LineKind.BlockDrawdown);
        }
        db.Drawdowns.AddRange(lines.Where(l => l.Kind == LineKind.BlockDrawdown).Select(l => new BlockDrawdown
        {
            BlockId = l.BlockId!.Value, TimeEntryId = l.TimeEntryId!.Value, InvoiceId = draft.Id, Minutes = l.BilledMinutes,
        }));
        await db.SaveChangesAsync(cancellationToken);
        // The period is closed: the blocks that expired in it (or before), and are past, are settled by their rules.
        var calendar = await calendars.ForClientAsync(db, draft.ClientId, cancellationToken);
        if (TryParsePeriod(draft.Period, out _, out var next) && calendar is not null)
        {
            var yesterday = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), calendar.TimeZone).DateTime).AddDays(-1);
            var lastDay = next.AddDays(-1);
            await BlockSettling.SettleAsync(db, draft.ClientId, lastDay < yesterday ? lastDay : yesterday, by, time.GetUtcNow(), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return draft;
    }

    /// <summary>
    /// Credits lines of a finalised invoice (all those not credited yet when <paramref name="lineNumbers"/> is empty): a
    /// credit note of its own series, numbered in this transaction, with each credited line negated under the invoice's line
    /// number, and only the credited lines' entries reopened (they go on a later invoice, or get a no-charge reason). An
    /// entry is reopened whole, so the lines of one entry (its business and after-hours sides, its drawdown) go together.
    /// </summary>
    public async Task<Invoice> CreditAsync(BillingDbContext db, Guid invoiceId, IReadOnlyCollection<int> lineNumbers, string reason, string by,
        CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var sequence = await LockSequenceAsync(db, CreditNoteSeries, cancellationToken);
        var invoice = await db.Invoices.FromSql($"SELECT * FROM invoices WHERE \"Id\" = {invoiceId} FOR UPDATE").Include(i => i.Lines)
            .SingleOrDefaultAsync(cancellationToken) ?? throw new KeyNotFoundException();
        if (invoice.Kind != InvoiceKind.Invoice || invoice.Status != InvoiceStatus.Finalised)
            throw new InvoicingConflictException("Only a finalised invoice can be credited.");
        // The invoice row is locked, so the notes read here are all there are: no line is credited twice.
        var credited = (await CreditedLinesAsync(db, invoice.Id, cancellationToken)).ToHashSet();
        List<InvoiceLine> chosen;
        if (lineNumbers.Count == 0)
        {
            chosen = [.. invoice.Lines.Where(l => !credited.Contains(l.LineNumber))];
            if (chosen.Count == 0) throw new InvoicingConflictException("The invoice is already credited.", new { invoice.CreditedBy });
        }
        else
        {
            var unknown = lineNumbers.Where(n => invoice.Lines.All(l => l.LineNumber != n)).ToList();
            if (unknown.Count > 0) throw new InvoicingValidationException("lines", $"The invoice has no line {string.Join(", ", unknown)}.");
            var twice = lineNumbers.Where(credited.Contains).Order().ToList();
            if (twice.Count > 0)
                throw new InvoicingConflictException($"Line {string.Join(", ", twice)} of {invoice.Number} is already credited.", new { lines = twice });
            chosen = [.. invoice.Lines.Where(l => lineNumbers.Contains(l.LineNumber))];
            var left = invoice.Lines.Where(l => l.TimeEntryId is { } e && chosen.Any(c => c.TimeEntryId == e) && !lineNumbers.Contains(l.LineNumber))
                .Select(l => l.LineNumber).Order().ToList();
            if (left.Count > 0)
                throw new InvoicingValidationException("lines", $"Credit line {string.Join(", ", left)} as well: an entry is reopened whole, "
                    + "so the lines of one time entry are credited together.");
        }

        var now = time.GetUtcNow();
        var note = new Invoice
        {
            Id = Guid.CreateVersion7(now), ClientId = invoice.ClientId, Kind = InvoiceKind.CreditNote, Status = InvoiceStatus.Finalised,
            Period = invoice.Period, Currency = invoice.Currency, CreatedAt = now, FinalisedAt = now, FinalisedBy = by,
            CreditsInvoiceId = invoice.Id, Reason = reason, Number = $"{CreditNoteSeries}-{sequence.Next:D6}",
        };
        sequence.Next++;
        foreach (var line in chosen.OrderBy(l => l.LineNumber))
            note.Lines.Add(new InvoiceLine
            {
                InvoiceId = note.Id, LineNumber = line.LineNumber, Kind = line.Kind, TicketId = line.TicketId, TicketNumber = line.TicketNumber,
                TimeEntryId = line.TimeEntryId, Responder = line.Responder, WorkType = line.WorkType, Hours = line.Hours, WorkDate = line.WorkDate,
                RawMinutes = -line.RawMinutes, BilledMinutes = -line.BilledMinutes, Rate = line.Rate, Amount = -line.Amount,
                AgreementVersion = line.AgreementVersion, BlockId = line.BlockId, Description = $"Credit of {invoice.Number} line {line.LineNumber}: {line.Description}",
            });
        note.Total = note.Lines.Sum(l => l.Amount);
        // Credited whole once every line is: the last note is the one named.
        if (credited.Count + chosen.Count == invoice.Lines.Count) invoice.CreditedBy = note.Id;
        db.Invoices.Add(note);
        var entries = chosen.Select(l => l.TimeEntryId).OfType<Guid>().Distinct().ToList();
        await db.TimeEntries.Where(e => e.InvoiceId == invoice.Id && entries.Contains(e.TimeEntryId))
            .ExecuteUpdateAsync(set => set.SetProperty(e => e.InvoiceId, (Guid?)null).SetProperty(e => e.CoveredByBlock, false)
                .SetProperty(e => e.InvoicedRevision, (int?)null).SetProperty(e => e.EditedAfterInvoicingAt, (DateTimeOffset?)null), cancellationToken);
        await db.Drawdowns.Where(d => d.InvoiceId == invoice.Id && entries.Contains(d.TimeEntryId)).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return note;
    }

    /// <summary>The line numbers of the invoice that its credit notes have credited.</summary>
    private static Task<List<int>> CreditedLinesAsync(BillingDbContext db, Guid invoiceId, CancellationToken cancellationToken) =>
        db.Invoices.Where(n => n.CreditsInvoiceId == invoiceId && n.Kind == InvoiceKind.CreditNote)
            .SelectMany(n => n.Lines.Select(l => l.LineNumber)).ToListAsync(cancellationToken);

    private static async Task<InvoiceSequence> LockSequenceAsync(BillingDbContext db, string series, CancellationToken cancellationToken) =>
        await db.Sequences.FromSql($"SELECT * FROM invoice_sequences WHERE \"Series\" = {series} FOR UPDATE").SingleAsync(cancellationToken);

    private static void Replace(BillingDbContext db, Invoice invoice, List<InvoiceLine> lines)
    {
        db.RemoveRange(invoice.Lines);
        invoice.Lines.Clear();
        invoice.Lines.AddRange(lines);
        invoice.Total = lines.Sum(l => l.Amount);
    }

    /// <summary>
    /// The lines of <paramref name="invoice"/>: the monthly fee of each month of the period (unless a finalised invoice has it on a line no
    /// credit note credited), then every billable entry not yet invoiced whose work began before the period ends (so late approvals and
    /// reopened entries of earlier months are not forgotten), one line per side of the split.
    /// </summary>
    private async Task<(List<InvoiceLine> Lines, List<TimeEntry> Invoiced, List<RatedEntry> Unrated)> BuildAsync(BillingDbContext db,
        Invoice invoice, IQueryable<TimeEntry> entries, CancellationToken cancellationToken)
    {
        if (!TryParsePeriod(invoice.Period, out var first, out var next))
            throw new InvoicingConflictException($"Period '{invoice.Period}' is not yyyy-MM or yyyy-Qn.");
        var calendar = await calendars.ForClientAsync(db, invoice.ClientId, cancellationToken)
            ?? throw new InvoicingConflictException("billing knows no business calendar for the client yet (sla announces them).");
        var end = Start(next, calendar.TimeZone);
        var (rated, _) = await RateAsync(db, invoice.ClientId, entries.Where(e => e.InvoiceId == null && e.StartedAt < end), cancellationToken);

        var agreements = await db.Agreements.AsNoTracking().Where(a => a.ClientId == invoice.ClientId).ToListAsync(cancellationToken);
        var months = new List<(DateOnly First, AgreementVersion? Agreement)>();
        for (var month = first; month < next; month = month.AddMonths(1))
            months.Add((month, agreements.Where(a => a.Covers(month)).MaxBy(a => a.EffectiveFrom)));
        // Billable entries, and those drawn whole from block hours (the drawdown is a line too).
        var billable = rated.Where(r => r.State == BillingState.Billable || r.Parts.Any(p => p.BlockId is not null)).ToList();
        var currencies = billable.Select(r => r.Agreement!.Currency).Concat(months.Select(m => m.Agreement?.Currency)).OfType<string>().Distinct().ToList();
        if (currencies.Count > 1) throw new InvoicingConflictException($"The period's work is in several currencies ({string.Join(", ", currencies)}).");
        invoice.Currency = currencies.SingleOrDefault() ?? "";

        var lines = new List<InvoiceLine>();
        // One fee per month the period covers (a quarter has three), each at the agreement version of that month, unless a
        // finalised invoice has that month's fee on a line no credit note credited (fee lines carry their month's first day).
        var billedFees = await db.Invoices.Where(i => i.ClientId == invoice.ClientId && i.Id != invoice.Id
                && i.Kind == InvoiceKind.Invoice && i.Status == InvoiceStatus.Finalised)
            .SelectMany(i => i.Lines.Where(l => l.Kind == LineKind.MonthlyFee && !db.Invoices.Any(n => n.CreditsInvoiceId == i.Id
                && n.Lines.Any(c => c.LineNumber == l.LineNumber))).Select(l => new { i.Period, l.WorkDate }))
            .ToListAsync(cancellationToken);
        var billedMonths = billedFees.Select(f => f.WorkDate ?? (TryParsePeriod(f.Period, out var month, out _) ? month : default)).ToHashSet();
        foreach (var (month, agreement) in months)
            if (agreement is { MonthlyFee: > 0 } fee && !billedMonths.Contains(month))
                lines.Add(new InvoiceLine
                {
                    InvoiceId = invoice.Id, LineNumber = lines.Count + 1, Kind = LineKind.MonthlyFee, Rate = fee.MonthlyFee, Amount = fee.MonthlyFee,
                    AgreementVersion = fee.Version, WorkDate = month,
                    Description = $"Monthly fee {month.ToString("yyyy-MM", CultureInfo.InvariantCulture)}",
                });
        var numbers = await db.Records.AsNoTracking().Where(r => r.ClientId == invoice.ClientId)
            .Select(r => new { r.TicketId, r.TicketNumber }).ToDictionaryAsync(r => r.TicketId, r => r.TicketNumber, cancellationToken);
        foreach (var entry in billable)
            foreach (var part in entry.Parts)
                lines.Add(new InvoiceLine
                {
                    InvoiceId = invoice.Id, LineNumber = lines.Count + 1, Kind = part.BlockId is null ? LineKind.Time : LineKind.BlockDrawdown,
                    BlockId = part.BlockId, TicketId = entry.Entry.TicketId,
                    TicketNumber = numbers.GetValueOrDefault(entry.Entry.TicketId), TimeEntryId = entry.Entry.TimeEntryId,
                    Responder = entry.Entry.Responder, WorkType = entry.Entry.WorkType.ToString(), Hours = part.Hours.ToString(),
                    WorkDate = entry.LocalDay, RawMinutes = part.RawMinutes, BilledMinutes = part.BilledMinutes, Rate = part.Rate,
                    Amount = part.Amount, AgreementVersion = entry.Agreement!.Version,
                    Description = $"SD#{numbers.GetValueOrDefault(entry.Entry.TicketId)} {entry.Entry.WorkType} {part.Hours}"
                        + (part.Note is null ? "" : $" ({part.Note})"),
                });
        // Only entries of the period itself must have a state before it closes; earlier months' are their own business.
        var periodStart = Start(first, calendar.TimeZone);
        var unrated = rated.Where(r => r.State == BillingState.Unrated && r.Entry.StartedAt >= periodStart).ToList();
        return (lines, billable.Select(r => r.Entry).ToList(), unrated);
    }
}
