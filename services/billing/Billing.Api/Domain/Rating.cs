using ServiceDesk.Platform.Calendars;

namespace Billing.Api.Domain;

/// <summary>The one billing state each time entry is in (DOMAIN.md); <see cref="Billable"/> and <see cref="Unrated"/> are
/// not final: the first goes on the next invoice, the second needs a calendar or an agreement first.</summary>
public enum BillingState
{
    Unrated,
    Billable,
    AwaitingApproval,
    Covered,
    NoCharge,
    WrittenOff,
    Invoiced,
}

public enum HoursKind
{
    BusinessHours,
    AfterHours,
}

/// <summary>One side of an entry's split: raw minutes as worked, billed minutes after rounding, at one hourly rate.</summary>
/// <param name="BlockId">Set on minutes drawn from a block of prepaid hours (rate and amount 0).</param>
public sealed record RatedPart(HoursKind Hours, int RawMinutes, int BilledMinutes, decimal Rate, decimal Amount, string? Note = null,
    Guid? BlockId = null);

public sealed record RatedEntry(TimeEntry Entry, BillingState State, string? Reason, AgreementVersion? Agreement, DateOnly? LocalDay,
    IReadOnlyList<RatedPart> Parts)
{
    public decimal Amount => Parts.Sum(p => p.Amount);
}

/// <summary>
/// Rates time entries: splits each on the client's business calendar (the one sla counts on), picks the agreement
/// version in force on the entry's local day, rounds minutes up, prices them, and says which billing state follows.
/// Pure: everything it needs is passed in, so the same inputs always give the same lines.
/// </summary>
public static class Rater
{
    /// <param name="entries">Entries of one client.</param>
    /// <param name="agreements">The client's agreement versions.</param>
    /// <param name="calendar">The client's business calendar; null when billing has not learnt it yet.</param>
    /// <param name="approvals">Approvals of after-hours work by ticket.</param>
    /// <param name="blocks">The client's blocks of prepaid hours, with what is left of each before these entries.</param>
    public static IReadOnlyList<RatedEntry> Rate(IEnumerable<TimeEntry> entries, IReadOnlyList<AgreementVersion> agreements,
        BusinessCalendar? calendar, ILookup<Guid, Approval> approvals, IReadOnlyList<BlockBalance>? blocks = null)
    {
        var rated = entries.Select(e => RateOne(e, agreements, calendar, approvals[e.TicketId].OrderBy(a => a.At).LastOrDefault())).ToList();
        RoundPerTicketDay(rated);
        return blocks is { Count: > 0 } ? DrawFromBlocks(rated, blocks) : rated;
    }

    /// <summary>
    /// Business-hours minutes of billable entries (not emergencies: they carry their own minimum) are drawn from the
    /// blocks valid on the entry's day, the one expiring first first, in the order the work was done. Drawn minutes
    /// become parts of their own at no charge, naming the block; an entry drawn whole is covered. A block running out
    /// mid-entry leaves the rest of the entry charged (or drawn from the next block).
    /// </summary>
    private static List<RatedEntry> DrawFromBlocks(List<RatedEntry> rated, IReadOnlyList<BlockBalance> blocks)
    {
        var left = blocks.ToDictionary(b => b.Id, b => b.RemainingMinutes);
        foreach (var i in Enumerable.Range(0, rated.Count).OrderBy(i => rated[i].Entry.StartedAt).ThenBy(i => rated[i].Entry.TimeEntryId))
        {
            var entry = rated[i];
            if (entry.State != BillingState.Billable || entry.Entry.WorkType == WorkType.Emergency) continue;
            var parts = new List<RatedPart>();
            foreach (var part in entry.Parts)
            {
                if (part.Hours != HoursKind.BusinessHours) { parts.Add(part); continue; }
                var billed = part.BilledMinutes;
                foreach (var block in blocks.Where(b => b.ValidFrom <= entry.LocalDay && entry.LocalDay <= b.ExpiresOn && left[b.Id] > 0)
                             .OrderBy(b => b.ExpiresOn).ThenBy(b => b.Id))
                {
                    if (billed == 0) break;
                    var drawn = Math.Min(billed, left[block.Id]);
                    left[block.Id] -= drawn;
                    billed -= drawn;
                    parts.Add(new RatedPart(HoursKind.BusinessHours, drawn, drawn, 0m, 0m, $"block hours expiring {block.ExpiresOn:yyyy-MM-dd}", block.Id));
                }
                if (billed > 0)
                {
                    var raw = Math.Max(0, part.RawMinutes - (part.BilledMinutes - billed));
                    parts.Add(part with { RawMinutes = raw, BilledMinutes = billed, Amount = Money.ForMinutes(billed, part.Rate, entry.Agreement!.Currency) });
                }
            }
            rated[i] = parts.Sum(p => p.Amount) == 0
                ? entry with { Parts = parts, State = BillingState.Covered, Reason = "Covered by block hours." }
                : entry with { Parts = parts };
        }
        return rated;
    }

    private static RatedEntry RateOne(TimeEntry entry, IReadOnlyList<AgreementVersion> agreements, BusinessCalendar? calendar, Approval? approval)
    {
        // A person's decision (or an invoice) stands whether or not the entry can be rated now.
        if (calendar is null) return Decided(entry) ?? new(entry, BillingState.Unrated, "No business calendar is known for the client yet.", null, null, []);
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(entry.StartedAt, calendar.TimeZone).DateTime);
        var agreement = agreements.Where(a => a.Covers(day)).MaxBy(a => a.EffectiveFrom);
        if (agreement is null) return Decided(entry) ?? new(entry, BillingState.Unrated, $"No agreement is in force on {day:yyyy-MM-dd}.", null, day, []);

        // tickets refuses these; a stored one is shown, never priced.
        if (entry.Minutes < 0)
            return Decided(entry) ?? new(entry, BillingState.Unrated, $"{entry.Minutes} minutes: an entry cannot be negative.", agreement, day, []);

        // The entry's minutes are the quantity worked; they run from its start, split where the calendar opens or closes.
        var end = entry.StartedAt.AddMinutes(entry.Minutes);
        var business = (int)Math.Round(calendar.Between(entry.StartedAt, end).TotalMinutes);
        var afterHours = entry.Minutes - business;

        var rate = agreement.RateFor(entry.WorkType);
        var businessRate = rate?.BusinessHours ?? 0m;
        // The rate the client was quoted when approving is the one billed.
        var afterHoursRate = approval?.QuotedRate ?? rate?.AfterHours ?? businessRate * agreement.AfterHoursMultiplier;
        var perEntry = agreement.RoundingScope == RoundingScope.PerEntry;
        var parts = new List<RatedPart>();
        if (business > 0) parts.Add(Part(HoursKind.BusinessHours, business, businessRate, agreement, perEntry));
        if (afterHours > 0) parts.Add(Part(HoursKind.AfterHours, afterHours, afterHoursRate, agreement, perEntry));
        parts = WithEmergencyMinimum(entry, agreement, parts);

        var (state, reason) = StateOf(entry, agreement, afterHours, approval, parts);
        return new(entry, state, reason, agreement, day, parts);
    }

    /// <summary>The states a person or an invoice decided, which no rating changes; null when neither did.</summary>
    private static RatedEntry? Decided(TimeEntry entry) => entry switch
    {
        { InvoiceId: not null, CoveredByBlock: true } => new(entry, BillingState.Covered, "Covered by block hours (on an invoice as a drawdown)."
            + EditedNote(entry), null, null, []),
        { InvoiceId: not null } => new(entry, BillingState.Invoiced, EditedNote(entry) is { Length: > 0 } note ? note.TrimStart() : null, null, null, []),
        { Disposition: Disposition.NoCharge } => new(entry, BillingState.NoCharge, $"{entry.DispositionReason} ({entry.DispositionBy})", null, null, []),
        { Disposition: Disposition.WrittenOff } => new(entry, BillingState.WrittenOff, $"{entry.DispositionReason} ({entry.DispositionBy})", null, null, []),
        _ => null,
    };

    private static string EditedNote(TimeEntry entry) => entry.EditedAfterInvoicingAt is { } at
        ? $" Edited after invoicing ({at:yyyy-MM-dd HH:mm} UTC, revision {entry.Revision}; the invoice shows revision {entry.InvoicedRevision}): credit the invoice or review the edit."
        : "";

    private static (BillingState, string?) StateOf(TimeEntry entry, AgreementVersion agreement, int afterHours, Approval? approval,
        List<RatedPart> parts)
    {
        if (Decided(entry) is { } decided) return (decided.State, decided.Reason);
        if (agreement.NonBillableWorkTypes.Contains(entry.WorkType.ToString()))
            return (BillingState.NoCharge, $"{entry.WorkType} work is not billable under agreement version {agreement.Version} (agreement).");
        if (afterHours > 0 && agreement.AfterHoursApprovalRequired && !agreement.AfterHoursPreAuthorised && approval is null && !entry.PreAuthorised)
            return (BillingState.AwaitingApproval, $"{afterHours} min after hours without the client's approval.");
        if (parts.Sum(p => p.Amount) == 0) return (BillingState.Covered, "Included in the monthly fee (no rate for this work type).");
        return (BillingState.Billable, null);
    }

    private static RatedPart Part(HoursKind hours, int raw, decimal rate, AgreementVersion agreement, bool round)
    {
        var billed = round ? RoundUp(raw, agreement.RoundingIncrementMinutes) : raw;
        return new RatedPart(hours, raw, billed, rate, Money.ForMinutes(billed, rate, agreement.Currency),
            billed != raw ? $"rounded up to {agreement.RoundingIncrementMinutes} min" : null);
    }

    /// <summary>An emergency entry costs at least the minimum: the difference is added to its last part, and said so.</summary>
    private static List<RatedPart> WithEmergencyMinimum(TimeEntry entry, AgreementVersion agreement, List<RatedPart> parts)
    {
        var total = parts.Sum(p => p.Amount);
        if (entry.WorkType != WorkType.Emergency || parts.Count == 0 || total >= agreement.EmergencyMinimumCharge) return parts;
        var last = parts[^1];
        parts[^1] = last with
        {
            Amount = last.Amount + Money.Round(agreement.EmergencyMinimumCharge - total, agreement.Currency),
            Note = $"emergency minimum charge {agreement.EmergencyMinimumCharge} {agreement.Currency}",
        };
        return parts;
    }

    /// <summary>
    /// For agreements that round per ticket and day: the minutes of one ticket on one local day, per work type and
    /// side of the split, are rounded up once; the difference goes on the group's last entry, so every entry keeps its
    /// raw minutes and the group's billed minutes add up.
    /// </summary>
    private static void RoundPerTicketDay(List<RatedEntry> rated)
    {
        var groups = rated.Select((r, i) => (r, i))
            .Where(x => x.r.Agreement?.RoundingScope == RoundingScope.PerTicketDay)
            .SelectMany(x => x.r.Parts.Select((p, j) => (x.i, j, x.r, p)))
            .GroupBy(x => (x.r.Entry.TicketId, x.r.LocalDay, x.r.Entry.WorkType, x.p.Hours, x.r.Agreement!.Id));
        foreach (var group in groups)
        {
            var members = group.OrderBy(x => x.r.Entry.StartedAt).ThenBy(x => x.r.Entry.TimeEntryId).ToList();
            var agreement = members[0].r.Agreement!;
            var raw = members.Sum(x => x.p.RawMinutes);
            var extra = RoundUp(raw, agreement.RoundingIncrementMinutes) - raw;
            if (extra == 0) continue;
            var (i, j, entry, part) = members[^1];
            var billed = part.BilledMinutes + extra;
            var parts = entry.Parts.ToList();
            parts[j] = part with
            {
                BilledMinutes = billed,
                Amount = part.Amount + Money.ForMinutes(billed, part.Rate, agreement.Currency) - Money.ForMinutes(part.BilledMinutes, part.Rate, agreement.Currency),
                Note = $"ticket's {raw} min on {entry.LocalDay:yyyy-MM-dd} rounded up to {agreement.RoundingIncrementMinutes} min",
            };
            rated[i] = entry with { Parts = parts };
        }
    }

    public static int RoundUp(int minutes, int increment) =>
        increment <= 1 ? minutes : (minutes + increment - 1) / increment * increment;
}
