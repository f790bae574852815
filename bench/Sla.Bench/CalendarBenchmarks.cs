using ServiceDesk.Platform.Calendars;
using BenchmarkDotNet.Attributes;
using Sla.Api.Domain;

namespace Sla.Bench;

/// <summary>
/// Business-time arithmetic on a New York calendar with a split shift (08:00-12:00, 13:00-17:00) and a year of
/// holidays (one a half day), and on 24x7. Each invocation runs <see cref="Batch"/> operations over 1,024
/// different start instants spread across two years (both DST changes), so results are per operation and no
/// single cached path is measured.
/// </summary>
[MemoryDiagnoser]
public class CalendarBenchmarks
{
    private const int Batch = 1024;
    private static readonly TimeSpan FourHours = TimeSpan.FromHours(4);
    private static readonly TimeSpan DayOfHours = TimeSpan.FromHours(24);
    private static readonly int[] Years = [2026, 2027];

    private readonly DateTimeOffset[] _starts = new DateTimeOffset[Batch];
    private readonly DateTimeOffset[] _ends = new DateTimeOffset[Batch];
    private BusinessCalendar _office = null!;
    private BusinessCalendar _always = null!;

    [GlobalSetup]
    public void Setup()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        OpenRange[] split = [new(new TimeOnly(8, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(17, 0))];
        var weekdays = new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday };
        var holidays = new[] { (1, 1), (1, 19), (2, 16), (5, 25), (7, 3), (9, 7), (11, 26), (11, 27), (12, 25) }
            .SelectMany(d => Years.Select(year => Holiday.Closed(new DateOnly(year, d.Item1, d.Item2))))
            .Where(h => h.Date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            .Append(Holiday.OpenOnly(new DateOnly(2026, 12, 24), new OpenRange(new TimeOnly(8, 0), new TimeOnly(12, 0))))
            .DistinctBy(h => h.Date);
        _office = new BusinessCalendar(newYork, weekdays.ToDictionary(d => d, _ => split), holidays);
        _always = BusinessCalendar.AlwaysOpen(newYork);

        var random = new Random(42);
        var origin = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < Batch; i++)
        {
            _starts[i] = origin.AddSeconds(random.NextInt64(0, 700L * 24 * 3600));
            _ends[i] = _starts[i].AddSeconds(random.Next(0, 10 * 24 * 3600));
        }
        // Warm the per-year caches: the steady state of a running service.
        foreach (var start in _starts) _office.Add(start, TimeSpan.FromDays(60));
        _always.Add(_starts[0], TimeSpan.FromDays(800));
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public DateTimeOffset Add_4h_business_hours_with_holidays()
    {
        var last = default(DateTimeOffset);
        foreach (var start in _starts) last = _office.Add(start, FourHours);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public DateTimeOffset Add_24h_business_hours_with_holidays()
    {
        var last = default(DateTimeOffset);
        foreach (var start in _starts) last = _office.Add(start, DayOfHours);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public TimeSpan Between_business_hours_with_holidays()
    {
        var total = TimeSpan.Zero;
        for (var i = 0; i < Batch; i++) total += _office.Between(_starts[i], _ends[i]);
        return total;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public DateTimeOffset NextOpen_business_hours_with_holidays()
    {
        var last = default(DateTimeOffset);
        foreach (var start in _starts) last = _office.NextOpen(start);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public DateTimeOffset Add_4h_around_the_clock()
    {
        var last = default(DateTimeOffset);
        foreach (var start in _starts) last = _always.Add(start, FourHours);
        return last;
    }
}
