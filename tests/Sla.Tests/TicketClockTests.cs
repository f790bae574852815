using Sla.Api.Domain;
using Sla.Contracts;
using static Sla.Tests.Calendars;

namespace Sla.Tests;

public sealed class TicketClockTests
{
    private static readonly ClientCalendars Office = ClientCalendars.From(NewYorkOffice);

    private static TierPolicy Tier(string name) => SlaPolicySet.Default.For(name);

    private static TicketClock Start(string tier, Priority priority, string enteredLocal, ClientCalendars? calendars = null)
    {
        calendars ??= Office;
        var entered = At(calendars.BusinessHours.TimeZone, enteredLocal);
        return TicketClock.Start(Guid.NewGuid(), Guid.NewGuid(), Tier(tier), priority, entered, calendars, ClockSettings.Default);
    }

    private static string? Due(TicketClock clock, ResponseType type, Commitment commitment, TimeZoneInfo? zone = null) =>
        clock.DueAt(type, commitment) is { } due ? Local(zone ?? NewYork, due) : null;

    private static readonly Dictionary<string, Func<TicketClock>> Scenarios = new()
    {
        // Friday before Labor Day, 30 minutes before close: 30 min Friday, the rest from Tuesday morning.
        ["P2 before holiday weekend"] = () => Start("standard", Priority.P2, "2026-09-04 16:30"),
        ["P3 over spring-forward"] = () => Start("standard", Priority.P3, "2026-03-06 15:00"),
        ["P3 over fall-back"] = () => Start("standard", Priority.P3, "2026-10-30 15:00"),
        ["Berlin P2 over spring-forward"] = () => Start("standard", Priority.P2, "2026-03-27 16:00", ClientCalendars.From(BerlinOffice)),
        ["Berlin P2 over fall-back"] = () => Start("standard", Priority.P2, "2026-10-23 16:00", ClientCalendars.From(BerlinOffice)),
        ["P2 on a split-shift day"] = () => Start("standard", Priority.P2, "2026-11-23 11:30", ClientCalendars.From(SplitShift)),
        // Premium P1 runs 24x7: the skipped hour and the repeated hour are real time like any other.
        ["premium P1 24x7 over spring-forward"] = () => Start("premium", Priority.P1, "2026-03-08 01:30"),
        ["premium P1 24x7 over fall-back"] = () => Start("premium", Priority.P1, "2026-11-01 00:30"),
    };

    [Theory]
    [InlineData("P2 before holiday weekend", ResponseType.Acknowledge, Commitment.Contractual, "2026-09-08 08:30 -04:00")]
    [InlineData("P2 before holiday weekend", ResponseType.Acknowledge, Commitment.Internal, "2026-09-04 16:45 -04:00")]
    [InlineData("P2 before holiday weekend", ResponseType.WorkBegins, Commitment.Contractual, "2026-09-08 11:30 -04:00")]
    [InlineData("P2 before holiday weekend", ResponseType.WorkBegins, Commitment.Internal, "2026-09-08 09:30 -04:00")]
    [InlineData("P3 over spring-forward", ResponseType.Acknowledge, Commitment.Contractual, "2026-03-06 16:00 -05:00")]
    [InlineData("P3 over spring-forward", ResponseType.WorkBegins, Commitment.Contractual, "2026-03-11 12:00 -04:00")]
    [InlineData("P3 over spring-forward", ResponseType.WorkBegins, Commitment.Internal, "2026-03-09 14:00 -04:00")]
    [InlineData("P3 over fall-back", ResponseType.WorkBegins, Commitment.Contractual, "2026-11-04 12:00 -05:00")]
    [InlineData("P3 over fall-back", ResponseType.WorkBegins, Commitment.Internal, "2026-11-02 14:00 -05:00")]
    [InlineData("P2 on a split-shift day", ResponseType.Acknowledge, Commitment.Contractual, "2026-11-23 13:30 -05:00")]
    [InlineData("P2 on a split-shift day", ResponseType.Acknowledge, Commitment.Internal, "2026-11-23 11:45 -05:00")]
    [InlineData("P2 on a split-shift day", ResponseType.WorkBegins, Commitment.Contractual, "2026-11-23 16:30 -05:00")]
    [InlineData("P2 on a split-shift day", ResponseType.WorkBegins, Commitment.Internal, "2026-11-23 14:30 -05:00")]
    [InlineData("premium P1 24x7 over spring-forward", ResponseType.Acknowledge, Commitment.Contractual, "2026-03-08 03:00 -04:00")]
    [InlineData("premium P1 24x7 over spring-forward", ResponseType.Acknowledge, Commitment.Internal, "2026-03-08 01:45 -05:00")]
    [InlineData("premium P1 24x7 over spring-forward", ResponseType.WorkBegins, Commitment.Contractual, "2026-03-08 03:30 -04:00")]
    [InlineData("premium P1 24x7 over spring-forward", ResponseType.Resolution, Commitment.Contractual, "2026-03-08 10:30 -04:00")]
    [InlineData("premium P1 24x7 over spring-forward", ResponseType.Resolution, Commitment.Internal, "2026-03-08 06:30 -04:00")]
    [InlineData("premium P1 24x7 over fall-back", ResponseType.Acknowledge, Commitment.Contractual, "2026-11-01 01:00 -04:00")]
    [InlineData("premium P1 24x7 over fall-back", ResponseType.WorkBegins, Commitment.Contractual, "2026-11-01 01:30 -04:00")]
    [InlineData("premium P1 24x7 over fall-back", ResponseType.Resolution, Commitment.Internal, "2026-11-01 03:30 -05:00")]
    [InlineData("premium P1 24x7 over fall-back", ResponseType.Resolution, Commitment.Contractual, "2026-11-01 07:30 -05:00")]
    public void Due_times_follow_the_calendar_the_target_counts_on(string scenario, ResponseType type, Commitment commitment, string expected)
        => Assert.Equal(expected, Due(Scenarios[scenario](), type, commitment));

    [Theory]
    [InlineData("Berlin P2 over spring-forward", ResponseType.WorkBegins, "2026-03-30 11:00 +02:00")]
    [InlineData("Berlin P2 over spring-forward", ResponseType.Acknowledge, "2026-03-27 17:00 +01:00")]
    [InlineData("Berlin P2 over fall-back", ResponseType.WorkBegins, "2026-10-26 11:00 +01:00")]
    public void Berlin_due_times_across_daylight_saving_changes(string scenario, ResponseType type, string expected) =>
        Assert.Equal(expected, Due(Scenarios[scenario](), type, Commitment.Contractual, Berlin));

    [Fact]
    public void P2_thirty_minutes_before_close_before_holiday_weekend_is_due_tuesday()
    {
        var clock = Scenarios["P2 before holiday weekend"]();

        Assert.Equal(DayOfWeek.Tuesday, TimeZoneInfo.ConvertTime(clock.DueAt(ResponseType.WorkBegins, Commitment.Contractual)!.Value, NewYork).DayOfWeek);
        Assert.Equal(clock.EnteredAt, clock.StartedAt);
    }

    [Theory]
    // Standard covers nothing after hours: the clock starts at the next open instant.
    [InlineData("standard", Priority.P2, "2026-11-21 22:00", "2026-11-23 08:00 -05:00", "2026-11-23 09:00 -05:00")]
    [InlineData("free", Priority.P1, "2026-11-24 21:00", "2026-11-25 08:00 -05:00", "2026-11-25 12:00 -05:00")]
    // Premium covers after hours: the clock starts at entry; P1 counts 24x7, P2 still on business hours.
    [InlineData("premium", Priority.P1, "2026-11-24 21:00", "2026-11-24 21:00 -05:00", "2026-11-24 21:30 -05:00")]
    [InlineData("premium", Priority.P2, "2026-11-21 22:00", "2026-11-21 22:00 -05:00", "2026-11-23 08:30 -05:00")]
    public void After_hours_arrival_starts_the_clock_at_the_next_covered_instant(string tier, Priority priority, string entered,
        string expectedStart, string expectedAcknowledgeDue)
    {
        var clock = Start(tier, priority, entered);

        Assert.Equal(NewYorkTime(entered), clock.EnteredAt);
        Assert.Equal(expectedStart, Local(NewYork, clock.StartedAt));
        Assert.Equal(expectedAcknowledgeDue, Due(clock, ResponseType.Acknowledge, Commitment.Contractual));
    }

    [Fact]
    public void After_hours_arrival_without_cover_says_when_the_clock_starts()
    {
        var started = Assert.IsType<ClockStarted>(Start("standard", Priority.P2, "2026-11-21 22:00").Ledger.Single());

        Assert.Contains("outside the hours tier standard covers", started.Cause);
        Assert.Contains("2026-11-23 13:00:00Z", started.Cause);
    }

    [Fact]
    public void Pause_over_a_night_and_a_weekend_adds_the_paused_business_time_to_open_targets()
    {
        // Thursday 10:00 P3; waits on the client from 16:00 until Monday 09:00: 1 + 9 + 1 = 11 business hours paused.
        var clock = Start("standard", Priority.P3, "2026-11-19 10:00")
            .ChangeStatus(TicketStatus.WaitingOnClient, NewYorkTime("2026-11-19 16:00"));

        Assert.Null(clock.DueAt(ResponseType.WorkBegins, Commitment.Contractual)); // suspended while waiting
        Assert.Empty(clock.NextEscalations());

        clock = clock.ChangeStatus(TicketStatus.Scheduled, NewYorkTime("2026-11-23 09:00"));

        Assert.Equal(ClockState.Running, clock.State);
        Assert.Equal("2026-11-25 09:00 -05:00", Due(clock, ResponseType.WorkBegins, Commitment.Contractual)); // was Mon 16:00
        Assert.Equal("2026-11-23 11:00 -05:00", Due(clock, ResponseType.WorkBegins, Commitment.Internal));    // was Fri 09:00
        // The acknowledgement fell due (Thu 11:00) before the pause began: waiting cannot undo a breach.
        Assert.Equal("2026-11-19 11:00 -05:00", Due(clock, ResponseType.Acknowledge, Commitment.Contractual));
        Assert.Equal([LedgerKind.Started, LedgerKind.Paused, LedgerKind.Resumed], clock.Ledger.Select(e => e.Kind));
    }

    [Fact]
    public void Pause_statuses_are_configurable()
    {
        var settings = ClockSettings.Default with { PauseStatuses = new HashSet<TicketStatus> { TicketStatus.WaitingOnClient, TicketStatus.Scheduled } };
        var clock = TicketClock.Start(Guid.NewGuid(), Guid.NewGuid(), Tier("standard"), Priority.P3, NewYorkTime("2026-11-23 09:00"), Office, settings)
            .ChangeStatus(TicketStatus.Scheduled, NewYorkTime("2026-11-23 10:00"));

        Assert.Equal(ClockState.Paused, clock.State);
    }

    [Fact]
    public void Priority_raised_mid_flight_recomputes_from_the_original_start_and_records_why()
    {
        // P3 Monday 09:00, waits on the client 09:30-10:00, raised to P1 at 10:45.
        var clock = Start("standard", Priority.P3, "2026-11-23 09:00")
            .Communicate(Communication.AcknowledgementSent, NewYorkTime("2026-11-23 09:10"), "email to ops@client.example")
            .ChangeStatus(TicketStatus.WaitingOnClient, NewYorkTime("2026-11-23 09:30"))
            .ChangeStatus(TicketStatus.Acknowledged, NewYorkTime("2026-11-23 10:00"))
            .Recalculate(Tier("standard"), Priority.P1, NewYorkTime("2026-11-23 10:45"), "whole office offline");

        // P1: 2 h (1 h internal) from 09:00, plus the 30 paused minutes.
        Assert.Equal("2026-11-23 11:30 -05:00", Due(clock, ResponseType.WorkBegins, Commitment.Contractual));
        Assert.Equal("2026-11-23 10:30 -05:00", Due(clock, ResponseType.WorkBegins, Commitment.Internal));
        Assert.Equal(NewYorkTime("2026-11-23 09:10"), clock.Target(ResponseType.Acknowledge)!.MetAt); // met stays met
        var recalculated = Assert.IsType<TargetsRecalculated>(clock.Ledger[^1]);
        Assert.Equal("P3 on standard became P1 on standard: whole office offline", recalculated.Cause);

        var escalated = clock.Escalate(NewYorkTime("2026-11-23 10:45"));

        // The internal target passed at 10:30: breached. Contractual: 50% (1 h + pause) passed at 10:30.
        var breach = Assert.Single(escalated.Breaches);
        Assert.Equal(new SlaBreached(clock.TicketId, clock.ClientId, "P1", SlaTargets.WorkBegins, SlaCommitments.Internal, NewYorkTime("2026-11-23 10:30")), breach);
        var warning = Assert.Single(escalated.Warnings);
        Assert.Equal((SlaCommitments.Contractual, 50, NewYorkTime("2026-11-23 10:30")), (warning.Commitment, warning.Percent, warning.StepDueAt));
    }

    [Fact]
    public void Priority_raised_to_a_covered_P1_at_night_counts_from_the_raise_not_from_the_next_opening()
    {
        // Emergencies covered around the clock, other priorities business hours only.
        var emergencyOnly = Tier("premium") with { AfterHoursCovered = false };
        var entered = NewYorkTime("2026-11-23 21:00");
        var clock = TicketClock.Start(Guid.NewGuid(), Guid.NewGuid(), emergencyOnly, Priority.P3, entered, Office, ClockSettings.Default);
        Assert.Equal(NewYorkTime("2026-11-24 08:00"), clock.StartedAt); // P3 waits for the morning

        var raised = clock.Recalculate(emergencyOnly, Priority.P1, NewYorkTime("2026-11-23 23:00"), "server room flooding");

        Assert.Equal(NewYorkTime("2026-11-23 23:00"), raised.StartedAt);
        Assert.Equal("2026-11-23 23:30 -05:00", Due(raised, ResponseType.Acknowledge, Commitment.Contractual));
        Assert.Equal("2026-11-24 00:00 -05:00", Due(raised, ResponseType.WorkBegins, Commitment.Contractual));
        var entry = Assert.IsType<TargetsRecalculated>(raised.Ledger[^1]);
        Assert.Equal(NewYorkTime("2026-11-23 23:00"), entry.StartsAt);
        Assert.Contains("counts from now", entry.Cause);
        // The ledger alone gives the same due times.
        var replayed = TicketClock.Replay(raised.Ledger, Office, ClockSettings.Default);
        Assert.Equal(raised.DueAt(ResponseType.WorkBegins, Commitment.Internal), replayed.DueAt(ResponseType.WorkBegins, Commitment.Internal));
        Assert.Equal(raised.StartedAt, replayed.StartedAt);
    }

    [Theory]
    [InlineData(Priority.P2, "2026-11-23 23:00")] // not covered after hours: still waits for the morning
    [InlineData(Priority.P1, "2026-11-24 09:00")] // raised after the clock started: the start stays
    public void A_raise_moves_the_start_only_of_a_clock_waiting_for_cover_and_only_to_a_covered_priority(Priority to, string raisedLocal)
    {
        var emergencyOnly = Tier("premium") with { AfterHoursCovered = false };
        var clock = TicketClock.Start(Guid.NewGuid(), Guid.NewGuid(), emergencyOnly, Priority.P3, NewYorkTime("2026-11-23 21:00"), Office,
            ClockSettings.Default);

        var raised = clock.Recalculate(emergencyOnly, to, NewYorkTime(raisedLocal), "triage");

        Assert.Equal(NewYorkTime("2026-11-24 08:00"), raised.StartedAt);
        Assert.Null(Assert.IsType<TargetsRecalculated>(raised.Ledger[^1]).StartsAt);
    }

    [Fact]
    public void Priority_lowered_mid_flight_warns_again_at_the_new_targets_steps()
    {
        var clock = Start("standard", Priority.P1, "2026-11-23 09:00")
            .Escalate(NewYorkTime("2026-11-23 10:40")).Clock; // internal breached (10:00), contractual 75% (10:30)

        clock = clock.Recalculate(Tier("standard"), Priority.P3, NewYorkTime("2026-11-23 10:45"), "only one user affected");

        var work = clock.NextEscalations().Where(e => e.Target == ResponseType.WorkBegins).ToList();
        Assert.Equal(
            [(Commitment.Internal, 50, NewYorkTime("2026-11-23 13:00")), (Commitment.Contractual, 50, NewYorkTime("2026-11-24 12:00"))],
            work.Select(e => (e.Commitment, e.Percent, e.DueAt)));
    }

    [Theory]
    [InlineData(Communication.InternalNote, false)]
    [InlineData(Communication.PublicReply, true)]
    [InlineData(Communication.AcknowledgementSent, true)]
    public void Acknowledgement_is_met_only_by_a_real_communication_to_the_client(Communication communication, bool met)
    {
        var clock = Start("standard", Priority.P2, "2026-11-23 09:00")
            .ChangeStatus(TicketStatus.Acknowledged, NewYorkTime("2026-11-23 09:01")) // a staff click is not a communication
            .Communicate(communication, NewYorkTime("2026-11-23 09:05"), "to the contact");

        Assert.Equal(met, clock.Target(ResponseType.Acknowledge)!.IsMet);
        Assert.Equal(met, clock.Ledger.Any(e => e.Kind == LedgerKind.Met));
    }

    [Fact]
    public void Bounce_of_the_message_that_met_the_acknowledgement_opens_it_again_until_another_message_meets_it()
    {
        var acknowledged = Start("standard", Priority.P2, "2026-11-23 09:00")
            .Communicate(Communication.AcknowledgementSent, NewYorkTime("2026-11-23 09:05"), "email to dana", "ack-1@desk.example");
        var otherFailed = acknowledged.CommunicationFailed("reply-9@desk.example", NewYorkTime("2026-11-23 09:20"), "a reply bounced");
        var bounced = otherFailed.CommunicationFailed("ack-1@desk.example", NewYorkTime("2026-11-23 09:30"), "email to dana bounced: 5.1.1");
        var replied = bounced.Communicate(Communication.PublicReply, NewYorkTime("2026-11-23 09:40"), "we are on it", "reply-2@desk.example");

        Assert.Equal("ack-1@desk.example", Assert.IsType<TargetMet>(acknowledged.Ledger[^1]).MessageId); // which message met it
        Assert.Equal(acknowledged.Ledger.Count, otherFailed.Ledger.Count); // another message's bounce changes nothing
        var failed = Assert.IsType<DeliveryFailed>(bounced.Ledger[^1]);
        Assert.Equal((LedgerKind.DeliveryFailed, ResponseType.Acknowledge, "ack-1@desk.example"), (failed.Kind, failed.Target, failed.MessageId));
        Assert.Contains("5.1.1", failed.Cause);
        Assert.False(bounced.Target(ResponseType.Acknowledge)!.IsMet);
        Assert.Contains(bounced.NextEscalations(), e => e.Target == ResponseType.Acknowledge); // at risk again, on its old due time
        Assert.Equal(acknowledged.DueAt(ResponseType.Acknowledge, Commitment.Contractual), bounced.DueAt(ResponseType.Acknowledge, Commitment.Contractual));
        Assert.False(TicketClock.Replay(bounced.Ledger, Office, ClockSettings.Default).Target(ResponseType.Acknowledge)!.IsMet);
        Assert.Equal(NewYorkTime("2026-11-23 09:40"), replied.Target(ResponseType.Acknowledge)!.MetAt);
    }

    [Fact]
    public void Work_begins_when_the_ticket_goes_in_progress_and_each_target_is_met_once()
    {
        var clock = Start("standard", Priority.P2, "2026-11-23 09:00")
            .ChangeStatus(TicketStatus.InProgress, NewYorkTime("2026-11-23 10:00"))
            .ChangeStatus(TicketStatus.Scheduled, NewYorkTime("2026-11-23 10:30"))
            .ChangeStatus(TicketStatus.InProgress, NewYorkTime("2026-11-23 11:00"));

        Assert.Equal(NewYorkTime("2026-11-23 10:00"), clock.Target(ResponseType.WorkBegins)!.MetAt);
        Assert.Single(clock.Ledger, e => e.Kind == LedgerKind.Met);
    }

    [Fact]
    public void Reopened_ticket_resumes_its_resolution_budget_without_breaching()
    {
        // Premium P2 promises resolution in 16 business hours (8 internal). Resolved after 3.5 h, reopened two days later.
        var clock = Start("premium", Priority.P2, "2026-11-23 09:00")
            .Communicate(Communication.PublicReply, NewYorkTime("2026-11-23 09:05"), "we are on it")
            .ChangeStatus(TicketStatus.InProgress, NewYorkTime("2026-11-23 09:30"))
            .ChangeStatus(TicketStatus.Resolved, NewYorkTime("2026-11-23 12:30"));
        Assert.Equal(ClockState.Stopped, clock.State);
        Assert.Equal(NewYorkTime("2026-11-23 12:30"), clock.Target(ResponseType.Resolution)!.MetAt);

        var reopenedAt = NewYorkTime("2026-11-25 10:00");
        clock = clock.ChangeStatus(TicketStatus.Reopened, reopenedAt);
        var escalated = clock.Escalate(reopenedAt);

        Assert.Empty(escalated.Warnings);
        Assert.Empty(escalated.Breaches);
        Assert.False(clock.Target(ResponseType.Resolution)!.IsMet);
        // 12.5 h left: Wednesday 7 h, Thanksgiving closed, Friday 5.5 h. Internal: 4.5 h left.
        Assert.Equal("2026-11-27 13:30 -05:00", Due(clock, ResponseType.Resolution, Commitment.Contractual));
        Assert.Equal("2026-11-25 14:30 -05:00", Due(clock, ResponseType.Resolution, Commitment.Internal));
        Assert.Equal(new EscalationDue(clock.TicketId, ResponseType.Resolution, Commitment.Internal, 50, NewYorkTime("2026-11-25 10:30")),
            clock.NextEscalations()[0]);
        Assert.Equal([LedgerKind.Started, LedgerKind.Met, LedgerKind.Met, LedgerKind.Met, LedgerKind.Paused, LedgerKind.Resumed],
            clock.Ledger.Select(e => e.Kind));
    }

    [Fact]
    public void Reopened_ticket_resolved_late_does_not_announce_its_breach_again()
    {
        var clock = Start("premium", Priority.P2, "2026-11-23 09:00")
            .Communicate(Communication.PublicReply, NewYorkTime("2026-11-23 09:05"), "we are on it")
            .ChangeStatus(TicketStatus.InProgress, NewYorkTime("2026-11-23 09:30"));
        clock = clock.Escalate(NewYorkTime("2026-11-23 17:30")).Clock; // resolution internal (8 h) breached at 17:00

        clock = clock.ChangeStatus(TicketStatus.Resolved, NewYorkTime("2026-11-24 09:00"))
            .ChangeStatus(TicketStatus.Reopened, NewYorkTime("2026-11-24 10:00"));
        var escalated = clock.Escalate(NewYorkTime("2026-11-24 10:00"));

        Assert.Empty(escalated.Breaches);
        Assert.Empty(escalated.Warnings);
        Assert.DoesNotContain(clock.NextEscalations(), e => e.Commitment == Commitment.Internal);
    }

    [Fact]
    public void Closing_a_resolved_ticket_changes_nothing()
    {
        var resolved = Start("standard", Priority.P2, "2026-11-23 09:00").ChangeStatus(TicketStatus.Resolved, NewYorkTime("2026-11-23 10:00"));

        Assert.Same(resolved, resolved.ChangeStatus(TicketStatus.Closed, NewYorkTime("2026-11-23 11:00")));
        Assert.Empty(resolved.NextEscalations());
    }

    [Fact]
    public void Next_escalations_list_every_targets_next_step_earliest_first()
    {
        var clock = Start("standard", Priority.P2, "2026-11-23 09:00");

        Assert.Equal(
        [
            (ResponseType.Acknowledge, Commitment.Internal, 50, "2026-11-23 09:07:30"),
            (ResponseType.Acknowledge, Commitment.Contractual, 50, "2026-11-23 09:30:00"),
            (ResponseType.WorkBegins, Commitment.Internal, 50, "2026-11-23 10:00:00"),
            (ResponseType.WorkBegins, Commitment.Contractual, 50, "2026-11-23 11:00:00"),
        ], clock.NextEscalations().Select(e => (e.Target, e.Commitment, e.Percent,
            TimeZoneInfo.ConvertTime(e.DueAt, NewYork).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public void Steps_that_fell_due_together_announce_only_the_highest()
    {
        var escalated = Start("standard", Priority.P2, "2026-11-23 09:00").Escalate(NewYorkTime("2026-11-23 09:12"));

        var warning = Assert.Single(escalated.Warnings); // 50% (09:07:30) and 75% (09:11:15) both passed
        Assert.Equal((SlaTargets.Acknowledge, SlaCommitments.Internal, 75, NewYorkTime("2026-11-23 09:11:15"), NewYorkTime("2026-11-23 09:15")),
            (warning.Target, warning.Commitment, warning.Percent, warning.StepDueAt, warning.DueAt));
        Assert.Equal((ResponseType.Acknowledge, Commitment.Internal, 90), escalated.Clock.NextEscalations().Select(e => (e.Target, e.Commitment, e.Percent)).First());
        Assert.Empty(escalated.Clock.Escalate(NewYorkTime("2026-11-23 09:12")).Warnings); // announced once
    }

    [Fact]
    public void Unmet_targets_breach_at_their_due_times_contractual_and_internal_separately()
    {
        var escalated = Start("standard", Priority.P2, "2026-11-23 09:00").Escalate(NewYorkTime("2026-11-23 17:00"));

        Assert.Empty(escalated.Warnings);
        Assert.Equal(
        [
            (SlaTargets.Acknowledge, SlaCommitments.Contractual, NewYorkTime("2026-11-23 10:00")),
            (SlaTargets.Acknowledge, SlaCommitments.Internal, NewYorkTime("2026-11-23 09:15")),
            (SlaTargets.WorkBegins, SlaCommitments.Contractual, NewYorkTime("2026-11-23 13:00")),
            (SlaTargets.WorkBegins, SlaCommitments.Internal, NewYorkTime("2026-11-23 11:00")),
        ], escalated.Breaches.Select(b => (b.Target, b.Commitment, b.DueAt)));
        Assert.Equal(4, escalated.Clock.Ledger.Count(e => e.Kind == LedgerKind.Breached));
        Assert.Empty(escalated.Clock.NextEscalations());
    }

    [Fact]
    public void Changes_out_of_order_are_refused()
    {
        var clock = Start("standard", Priority.P2, "2026-11-23 09:00").ChangeStatus(TicketStatus.InProgress, NewYorkTime("2026-11-23 10:00"));

        Assert.Throws<ArgumentException>(() => clock.ChangeStatus(TicketStatus.WaitingOnClient, NewYorkTime("2026-11-23 09:30")));
    }

    [Fact]
    public void Replaying_the_ledger_reproduces_the_clock_and_its_due_times()
    {
        var clock = Start("premium", Priority.P3, "2026-11-20 16:00")
            .Escalate(NewYorkTime("2026-11-20 16:40")).Clock
            .ChangeStatus(TicketStatus.WaitingOnClient, NewYorkTime("2026-11-20 16:45"))
            .Communicate(Communication.InternalNote, NewYorkTime("2026-11-20 16:50"), "called, no answer")
            .ChangeStatus(TicketStatus.Acknowledged, NewYorkTime("2026-11-23 10:00"))
            .Recalculate(Tier("premium"), Priority.P2, NewYorkTime("2026-11-23 10:05"), "affects billing")
            .Escalate(NewYorkTime("2026-11-23 10:05")).Clock
            .Communicate(Communication.PublicReply, NewYorkTime("2026-11-23 10:10"), "looking into it")
            .ChangeStatus(TicketStatus.InProgress, NewYorkTime("2026-11-23 10:30"))
            .ChangeStatus(TicketStatus.Resolved, NewYorkTime("2026-11-23 15:00"))
            .ChangeStatus(TicketStatus.Reopened, NewYorkTime("2026-11-24 09:00"))
            .Escalate(NewYorkTime("2026-11-24 16:00")).Clock;

        var replayed = TicketClock.Replay([.. clock.Ledger], Office, ClockSettings.Default);

        Assert.Equal(clock.Ledger.Count, replayed.Ledger.Count);
        Assert.True(clock.Ledger.Count >= 10);
        Assert.Equal(clock.Targets.AsEnumerable(), replayed.Targets);
        Assert.Equal(clock.Pauses.AsEnumerable(), replayed.Pauses);
        Assert.Equal((clock.State, clock.Priority, clock.StartedAt), (replayed.State, replayed.Priority, replayed.StartedAt));
        foreach (var type in Enum.GetValues<ResponseType>())
            foreach (var commitment in Enum.GetValues<Commitment>())
                Assert.Equal(clock.DueAt(type, commitment), replayed.DueAt(type, commitment));
        Assert.Equal(clock.NextEscalations(), replayed.NextEscalations());
        // 16 h from Friday 16:00, plus 2 h 15 waiting (Fri 16:45 - Mon 10:00) and 3 h resolved (Mon 15:00 - Tue 09:00).
        Assert.Equal("2026-11-25 10:15 -05:00", Due(replayed, ResponseType.Resolution, Commitment.Contractual));
    }

    [Fact]
    public void Replay_without_a_start_is_refused() =>
        Assert.Throws<ArgumentException>(() => TicketClock.Replay([new ClockResumed(DateTimeOffset.UnixEpoch, "x")], Office, ClockSettings.Default));
}
