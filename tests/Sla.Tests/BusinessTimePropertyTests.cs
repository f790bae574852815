using ServiceDesk.Platform.Calendars;
using Sla.Api.Domain;
using static Sla.Tests.Calendars;

namespace Sla.Tests;

/// <summary>Properties of business-time arithmetic, checked on many seeded random cases (reproducible: fixed seeds).</summary>
public sealed class BusinessTimePropertyTests
{
    private const int Cases = 5_000;

    public static TheoryData<string> CalendarNames => ["office", "split", "berlin", "night", "always"];

    private static BusinessCalendar Named(string name) => name switch
    {
        "office" => NewYorkOffice,
        "split" => SplitShift,
        "berlin" => BerlinOffice,
        "night" => new BusinessCalendar(NewYork, Week(Enum.GetValues<DayOfWeek>(), Range(0, 6), Range(22, 24))),
        _ => BusinessCalendar.AlwaysOpen(Berlin),
    };

    /// <summary>Any second from 2026 into 2028, so cases cross both DST changes and New Year.</summary>
    private static DateTimeOffset RandomInstant(Random random) =>
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(random.NextInt64(0, 2L * 365 * 24 * 3600));

    private static TimeSpan RandomDuration(Random random) => TimeSpan.FromSeconds(random.NextInt64(0, 200L * 3600));

    [Theory]
    [MemberData(nameof(CalendarNames))]
    public void Adding_then_measuring_a_business_duration_gives_it_back(string name)
    {
        var calendar = Named(name);
        var random = new Random(name.Length * 7919);
        for (var i = 0; i < Cases; i++)
        {
            var (start, duration) = (RandomInstant(random), RandomDuration(random));
            var end = calendar.Add(start, duration);
            Assert.True(calendar.Between(start, end) == duration, $"{name}: {start:O} + {duration} = {end:O}");
        }
    }

    [Theory]
    [MemberData(nameof(CalendarNames))]
    public void Adding_a_longer_duration_never_ends_earlier_and_additions_compose(string name)
    {
        var calendar = Named(name);
        var random = new Random(name.Length * 104729);
        for (var i = 0; i < Cases; i++)
        {
            var (start, a, b) = (RandomInstant(random), RandomDuration(random), RandomDuration(random));
            var once = calendar.Add(start, a + b);
            Assert.True(once >= calendar.Add(start, a), $"{name}: {start:O} {a} {b}");
            if (b > TimeSpan.Zero)
                Assert.True(once == calendar.Add(calendar.Add(start, a), b), $"{name}: {start:O} + {a} + {b}");
        }
    }

    [Theory]
    [MemberData(nameof(CalendarNames))]
    public void Business_time_between_two_instants_never_exceeds_real_time_and_splits_at_any_point(string name)
    {
        var calendar = Named(name);
        var random = new Random(name.Length * 15485863);
        for (var i = 0; i < Cases; i++)
        {
            var instants = new[] { RandomInstant(random), RandomInstant(random), RandomInstant(random) }.Order().ToArray();
            var whole = calendar.Between(instants[0], instants[2]);
            Assert.True(whole <= instants[2] - instants[0]);
            Assert.Equal(whole, calendar.Between(instants[0], instants[1]) + calendar.Between(instants[1], instants[2]));
        }
    }

    [Theory]
    [MemberData(nameof(CalendarNames))]
    public void Next_open_instant_is_open_and_nothing_before_it_is(string name)
    {
        var calendar = Named(name);
        var random = new Random(name.Length * 32452843);
        for (var i = 0; i < Cases; i++)
        {
            var instant = RandomInstant(random);
            var next = calendar.NextOpen(instant);
            Assert.True(calendar.IsOpen(next), $"{name}: next open after {instant:O} is {next:O}");
            Assert.Equal(TimeSpan.Zero, calendar.Between(instant, next));
            Assert.Equal(next == instant, calendar.IsOpen(instant));
        }
    }
}
