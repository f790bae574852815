using Sla.Api.Domain;
using Sla.Contracts;

namespace Sla.Tests;

public sealed class SlaClockTests
{
    private static readonly TierPolicy Standard = SlaPolicySet.Default.For(SlaPolicySet.DefaultTier);
    private static readonly ClientCalendars Office = new CalendarOptions().ToCalendars(); // New York, Mon-Fri 08-17

    [Fact]
    public void Clock_starts_at_entry_with_contractual_and_stricter_internal_due_times()
    {
        var opened = new DateTimeOffset(2026, 11, 23, 14, 0, 0, TimeSpan.Zero); // Monday 09:00 in New York

        var clock = SlaClock.Start(Guid.NewGuid(), Guid.NewGuid(), "P2", opened, Office, Standard);

        Assert.Equal(opened, clock.StartedAt);
        Assert.Equal(opened.AddHours(1), clock.AcknowledgeDueAt);
        Assert.Equal(opened.AddMinutes(15), clock.AcknowledgeInternalDueAt);
        Assert.Equal(opened.AddHours(4), clock.WorkBeginsDueAt);
        Assert.Equal(opened.AddHours(2), clock.WorkBeginsInternalDueAt);
        Assert.Equal(LedgerKind.Started, Assert.Single(clock.Ledger).Kind);
    }

    [Fact]
    public void Acknowledgement_is_recorded_once()
    {
        var opened = new DateTimeOffset(2026, 11, 23, 14, 0, 0, TimeSpan.Zero);
        var clock = SlaClock.Start(Guid.NewGuid(), Guid.NewGuid(), "P3", opened, Office, Standard);

        Assert.True(clock.MeetAcknowledgement(opened.AddMinutes(1), "email"));
        Assert.False(clock.MeetAcknowledgement(opened.AddMinutes(5), "email again"));

        Assert.Equal(opened.AddMinutes(1), clock.AcknowledgedAt);
        var met = Assert.Single(clock.Ledger, e => e.Kind == LedgerKind.Met);
        Assert.Equal(SlaTargets.Acknowledge, met.Target);
    }

    [Fact]
    public void Unknown_priority_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            SlaClock.Start(Guid.NewGuid(), Guid.NewGuid(), "P9", DateTimeOffset.UnixEpoch, Office, Standard));
}
