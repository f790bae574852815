using Billing.Contracts;
using MassTransit;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;
using Sla.Contracts;
using Tickets.Api.Data;
using Tickets.Api.Domain;

namespace Tickets.Api.Consumers;

/// <summary>Keeps tickets' copy of sla's calendars (the after-hours gate's business hours), the highest revision of each.</summary>
public sealed class CalendarRevisedConsumer(TicketsDbContext db) : IConsumer<CalendarRevised>
{
    public Task Consume(ConsumeContext<CalendarRevised> context) => CalendarCopies.KeepAsync(db, context.Message, context.CancellationToken);
}

/// <summary>
/// Keeps every version of each client's agreement (billing's AgreementTermsChanged), once: versions never change, and
/// the one in force is chosen when used (the highest version covering the day), so the order they arrive in does not matter.
/// </summary>
public sealed class AgreementTermsChangedConsumer(TicketsDbContext db) : IConsumer<AgreementTermsChanged>
{
    public async Task Consume(ConsumeContext<AgreementTermsChanged> context)
    {
        var m = context.Message;
        decimal AfterHours(string workType) => m.Rates.FirstOrDefault(r => r.WorkType == workType)?.AfterHours ?? 0m;
        await db.InsertOnceAsync(t => t.ClientId == m.ClientId && t.Version == m.AgreementVersion, () => new AgreementTerms
        {
            ClientId = m.ClientId, Version = m.AgreementVersion, EffectiveFrom = m.EffectiveFrom, EffectiveTo = m.EffectiveTo,
            Currency = m.Currency, AfterHoursRate = AfterHours("AfterHours"), EmergencyAfterHoursRate = AfterHours("Emergency"),
            EmergencyMinimum = m.EmergencyMinimum, ApprovalRequired = m.ApprovalRequired, PreAuthorised = m.PreAuthorised,
            PreAuthorisedHours = m.PreAuthorisedHours,
        }, context.CancellationToken);
    }
}
