using Sla.Api.Domain;

namespace Sla.Tests;

public sealed class SlaPolicyTests
{
    private static TierPolicy Tier(bool afterHours, params SlaTarget[] p1) =>
        new("gold", afterHours, EmergencyCovered: false, Enum.GetValues<Priority>().ToDictionary(p => p, p => p == Priority.P1
            ? (IReadOnlyList<SlaTarget>)p1
            : [new(ResponseType.Acknowledge, TimeSpan.FromHours(1), TimeSpan.FromMinutes(15)),
               new(ResponseType.WorkBegins, TimeSpan.FromHours(4), TimeSpan.FromHours(2))]));

    [Fact]
    public void Seeded_tiers_are_sane_and_follow_the_typical_targets()
    {
        Assert.Empty(SlaPolicySet.Problems(SlaPolicySet.Default.Tiers));
        Assert.Equal(["free", "standard", "premium"], SlaPolicySet.Default.Tiers.Select(t => t.Tier));

        var standard = SlaPolicySet.Default.For("standard");
        Assert.False(standard.AfterHoursCovered);
        Assert.Equal(TimeSpan.FromHours(1), standard.For(Priority.P2).Single(t => t.Type == ResponseType.Acknowledge).Contractual);
        Assert.Equal(TimeSpan.FromHours(24), standard.For(Priority.P3).Single(t => t.Type == ResponseType.WorkBegins).Contractual);
        Assert.DoesNotContain(standard.For(Priority.P1), t => t.Type == ResponseType.Resolution);

        var premium = SlaPolicySet.Default.For("premium");
        Assert.All(premium.For(Priority.P1), t => Assert.Equal(CalendarKind.AroundTheClock, t.Calendar));
        Assert.All(premium.For(Priority.P2), t => Assert.Equal(CalendarKind.BusinessHours, t.Calendar));
        Assert.Contains(premium.For(Priority.P1), t => t.Type == ResponseType.Resolution);
    }

    [Fact]
    public void Internal_target_looser_than_contractual_is_refused_with_a_clear_message()
    {
        var tier = Tier(false,
            new(ResponseType.Acknowledge, TimeSpan.FromHours(1), TimeSpan.FromHours(2)),
            new(ResponseType.WorkBegins, TimeSpan.FromHours(2), TimeSpan.FromHours(1)));

        var refused = Assert.Throws<ArgumentException>(() => new SlaPolicySet([tier]));

        Assert.Contains("gold P1 acknowledge: the internal target 02:00:00 is looser than the contractual 01:00:00.", refused.Message);
    }

    [Fact]
    public void Targets_of_zero_or_less_are_refused()
    {
        var problems = Tier(false,
            new(ResponseType.Acknowledge, TimeSpan.Zero, TimeSpan.Zero),
            new(ResponseType.WorkBegins, TimeSpan.FromHours(2), TimeSpan.FromHours(-1))).Problems().ToList();

        Assert.Contains("gold P1 acknowledge: the contractual target must be greater than zero (is 00:00:00).", problems);
        Assert.Contains("gold P1 acknowledge: the internal target must be greater than zero (is 00:00:00).", problems);
        Assert.Contains("gold P1 work-begins: the internal target must be greater than zero (is -01:00:00).", problems);
    }

    [Fact]
    public void Missing_and_repeated_response_types_are_refused()
    {
        var problems = Tier(false,
            new(ResponseType.Acknowledge, TimeSpan.FromHours(1), TimeSpan.FromHours(1)),
            new(ResponseType.Acknowledge, TimeSpan.FromHours(1), TimeSpan.FromHours(1))).Problems().ToList();

        Assert.Contains("gold P1: the work-begins target is missing.", problems);
        Assert.Contains("gold P1: the acknowledge target is given 2 times.", problems);
    }

    [Fact]
    public void Around_the_clock_target_needs_after_hours_or_emergency_cover()
    {
        var targets = new SlaTarget[]
        {
            new(ResponseType.Acknowledge, TimeSpan.FromHours(1), TimeSpan.FromHours(1), CalendarKind.AroundTheClock),
            new(ResponseType.WorkBegins, TimeSpan.FromHours(2), TimeSpan.FromHours(1)),
        };

        Assert.Contains("gold P1 acknowledge: counts 24x7 but the tier covers neither after-hours nor emergency service for P1.",
            Tier(false, targets).Problems());
        Assert.Empty(Tier(true, targets).Problems());
    }

    [Fact]
    public void A_tier_defined_twice_is_refused() =>
        Assert.Contains("Tier 'standard' is defined 2 times.",
            SlaPolicySet.Problems([SlaPolicySet.Default.For("standard"), SlaPolicySet.Default.For("standard")]));

    [Fact]
    public void Escalation_steps_must_rise_to_the_breach()
    {
        Assert.Empty(ClockSettings.Default.Problems());
        var problems = (ClockSettings.Default with { EscalationPercents = [75, 50, 90] }).Problems().ToList();
        Assert.Contains("Escalation steps must end with 100 (the breach).", problems);
        Assert.Contains("Escalation steps must be in increasing order without repeats.", problems);
    }

    [Theory]
    [InlineData("P9")]
    [InlineData("1")]
    [InlineData("p1")]
    public void Unknown_priority_is_refused(string priority) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Priorities.Parse(priority));
}
