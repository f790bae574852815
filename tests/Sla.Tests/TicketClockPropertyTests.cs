using Sla.Api.Domain;
using static Sla.Tests.Calendars;

namespace Sla.Tests;

/// <summary>Clock properties over many seeded random tickets (fixed seeds, so a failure reproduces).</summary>
public sealed class TicketClockPropertyTests
{
    private const int Cases = 2_000;
    private static readonly ClientCalendars Office = ClientCalendars.From(NewYorkOffice);
    private static readonly TierPolicy[] Tiers = [.. SlaPolicySet.Default.Tiers];

    private static DateTimeOffset RandomInstant(Random random) =>
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(0, 2 * 365 * 24 * 60));

    private static TicketClock RandomClock(Random random) =>
        TicketClock.Start(Guid.NewGuid(), Guid.NewGuid(), Tiers[random.Next(Tiers.Length)], (Priority)random.Next(1, 5),
            RandomInstant(random), Office, ClockSettings.Default);

    private static IEnumerable<(ResponseType, Commitment)> Deadlines(TicketClock clock) =>
        from target in clock.Targets from commitment in Enum.GetValues<Commitment>() select (target.Type, commitment);

    [Fact]
    public void Due_times_never_move_earlier_when_a_pause_is_added()
    {
        var random = new Random(20261101);
        for (var i = 0; i < Cases; i++)
        {
            var clock = RandomClock(random);
            var pausedAt = clock.EnteredAt.AddMinutes(random.Next(0, 7 * 24 * 60));
            var resumedAt = pausedAt.AddMinutes(random.Next(0, 5 * 24 * 60));
            var paused = clock.ChangeStatus(TicketStatus.WaitingOnClient, pausedAt).ChangeStatus(TicketStatus.InProgress, resumedAt);
            var unpaused = clock.ChangeStatus(TicketStatus.InProgress, resumedAt);

            foreach (var (type, commitment) in Deadlines(clock))
            {
                Assert.True(paused.DueAt(type, commitment) >= clock.DueAt(type, commitment), $"case {i}: {type} {commitment}");
                // A second pause never pulls a due time back either.
                var again = paused.ChangeStatus(TicketStatus.WaitingOnClient, resumedAt.AddMinutes(30))
                    .ChangeStatus(TicketStatus.Reopened, resumedAt.AddMinutes(30 + random.Next(0, 3000)));
                Assert.True(again.DueAt(type, commitment) >= paused.DueAt(type, commitment), $"case {i}: second pause {type} {commitment}");
            }
            // Met targets are fixed when met: with and without the pause, work began at resumedAt.
            Assert.Equal(resumedAt, paused.Target(ResponseType.WorkBegins)!.MetAt);
            Assert.Equal(resumedAt, unpaused.Target(ResponseType.WorkBegins)!.MetAt);
        }
    }

    [Fact]
    public void A_pause_adds_exactly_its_business_time_to_a_target_not_yet_due()
    {
        var random = new Random(4242);
        for (var i = 0; i < Cases; i++)
        {
            var clock = RandomClock(random);
            var pausedAt = clock.StartedAt.AddMinutes(random.Next(0, 3 * 24 * 60));
            var resumedAt = pausedAt.AddMinutes(random.Next(1, 4 * 24 * 60));
            var resumed = clock.ChangeStatus(TicketStatus.WaitingOnClient, pausedAt).ChangeStatus(TicketStatus.Reopened, resumedAt);

            foreach (var target in clock.Targets)
                foreach (var commitment in Enum.GetValues<Commitment>())
                {
                    var calendar = Office.For(target.Target.Calendar);
                    var before = clock.DueAt(target.Type, commitment)!.Value;
                    var after = resumed.DueAt(target.Type, commitment)!.Value;
                    // The budget left when the pause began is still left when the client answers; a target already
                    // due when the pause began keeps its due time.
                    if (pausedAt < before)
                        Assert.True(calendar.Between(resumedAt, after) == calendar.Between(pausedAt, before),
                            $"case {i}: {target.Type} {commitment} paused {pausedAt:O}-{resumedAt:O} due {before:O} -> {after:O}");
                    else
                        Assert.Equal(before, after);
                }
        }
    }

    [Fact]
    public void Replaying_any_ledger_gives_the_same_due_times_and_escalations()
    {
        var random = new Random(777);
        var statuses = Enum.GetValues<TicketStatus>();
        for (var i = 0; i < Cases / 4; i++)
        {
            var clock = RandomClock(random);
            var now = clock.EnteredAt;
            for (var step = 0; step < 12; step++)
            {
                now = now.AddMinutes(random.Next(0, 600));
                clock = random.Next(5) switch
                {
                    0 => clock.Communicate((Communication)random.Next(3), now, "message"),
                    1 => clock.Escalate(now).Clock,
                    2 => clock.Recalculate(Tiers[random.Next(Tiers.Length)], (Priority)random.Next(1, 5), now, "triage"),
                    _ => clock.ChangeStatus(statuses[random.Next(statuses.Length)], now),
                };
            }

            var replayed = TicketClock.Replay([.. clock.Ledger], Office, ClockSettings.Default);

            Assert.Equal(clock.Targets.AsEnumerable(), replayed.Targets);
            foreach (var (type, commitment) in Deadlines(clock))
                Assert.Equal(clock.DueAt(type, commitment), replayed.DueAt(type, commitment));
            Assert.Equal(clock.NextEscalations(), replayed.NextEscalations());
        }
    }
}
