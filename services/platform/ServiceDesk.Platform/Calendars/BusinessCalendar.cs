namespace ServiceDesk.Platform.Calendars;

/// <summary>Open hours within one local day, e.g. 08:00-12:00. Closes at 00:00 means open until midnight.</summary>
public readonly record struct OpenRange(TimeOnly Opens, TimeOnly Closes)
{
    public static readonly OpenRange AllDay = new(TimeOnly.MinValue, TimeOnly.MinValue);

    public bool UntilMidnight => Closes == TimeOnly.MinValue;
    public bool IsValid => UntilMidnight || Closes > Opens;

    public override string ToString() => $"{Opens:HH\\:mm}-{(UntilMidnight ? "24:00" : Closes.ToString("HH\\:mm"))}";
}

/// <summary>
/// A date on which the calendar departs from its week: closed all day (no open hours), or open only for the given
/// hours, e.g. Dec 24 open 08:00-12:00 ("closes at noon"). The hours replace that weekday's usual ones.
/// </summary>
public sealed record Holiday(DateOnly Date, IReadOnlyList<OpenRange> OpenHours)
{
    public static Holiday Closed(DateOnly date) => new(date, []);
    public static Holiday OpenOnly(DateOnly date, params OpenRange[] hours) => new(date, hours);
}

/// <summary>
/// When a client's business is open: an IANA time zone, weekly open ranges (several per day allowed) and holidays,
/// whole or partial. Business time is counted only while open, so "4 business hours" from Friday 16:00 on a
/// 08:00-17:00 calendar ends Monday 11:00.
/// <para>
/// A range covers the real time from the instant the wall clock first reads its opening time until the instant it
/// last reads its closing time. So on a spring-forward day a range opening inside the skipped hour opens when the
/// clocks jump, and on a fall-back day a shift spanning the repeated hour works it twice (00:00-06:00 lasts seven
/// real hours), which is what the people on shift experience.
/// </para>
/// <para>
/// Speed: the open intervals of each local year are computed once, as UTC ticks with running totals of business
/// time, and cached. After that every operation is two binary searches and arithmetic: no time-zone conversion
/// and no allocation. The calendar is immutable and safe to share between threads.
/// </para>
/// </summary>
public sealed class BusinessCalendar
{
    private const int FirstYear = 1900;
    private const int LastYear = 2299;
    private const int MaxYearsSearched = 10; // a calendar with no open time in ten years must not loop forever

    private readonly OpenRange[][] _week = new OpenRange[7][];
    private readonly Dictionary<DateOnly, OpenRange[]> _holidays = [];
    private readonly YearTimeline?[] _years = new YearTimeline?[LastYear - FirstYear + 1];

    /// <exception cref="ArgumentException">The hours are not sane; the message lists every problem.</exception>
    public BusinessCalendar(TimeZoneInfo timeZone, IReadOnlyDictionary<DayOfWeek, OpenRange[]> week, IEnumerable<Holiday>? holidays = null)
    {
        TimeZone = timeZone;
        var days = holidays?.ToList() ?? [];
        if (Problems(week, days) is { Count: > 0 } problems)
            throw new ArgumentException(string.Join(" ", problems.Select(p => p.Message)), nameof(week));
        foreach (var day in Enum.GetValues<DayOfWeek>())
            _week[(int)day] = Sorted(week.TryGetValue(day, out var ranges) ? ranges : []);
        foreach (var holiday in days)
            _holidays[holiday.Date] = Sorted(holiday.OpenHours);
    }

    /// <summary>
    /// Everything wrong with a week and its holidays (empty when sane): ranges that close before they open or overlap,
    /// a date listed twice, a week without open time. Each problem says where it is, so an API can name the field.
    /// </summary>
    public static IReadOnlyList<CalendarProblem> Problems(IReadOnlyDictionary<DayOfWeek, OpenRange[]> week, IEnumerable<Holiday> holidays)
    {
        var problems = new List<CalendarProblem>();
        foreach (var day in Enum.GetValues<DayOfWeek>())
            foreach (var message in RangeProblems(week.TryGetValue(day, out var ranges) ? ranges : [], day.ToString()))
                problems.Add(new CalendarProblem(message, Day: day));
        var seen = new HashSet<DateOnly>();
        foreach (var holiday in holidays)
        {
            if (!seen.Add(holiday.Date))
                problems.Add(new CalendarProblem($"Holiday {holiday.Date:yyyy-MM-dd} is listed twice.", Holiday: holiday.Date, Duplicate: true));
            foreach (var message in RangeProblems(holiday.OpenHours, $"Holiday {holiday.Date:yyyy-MM-dd}"))
                problems.Add(new CalendarProblem(message, Holiday: holiday.Date));
        }
        if (Enum.GetValues<DayOfWeek>().All(day => !week.TryGetValue(day, out var ranges) || ranges.Length == 0))
            problems.Add(new CalendarProblem("A business calendar needs at least one open range in its week."));
        return problems;
    }

    public TimeZoneInfo TimeZone { get; }

    /// <summary>24x7: every instant is business time (e.g. premium P1 coverage).</summary>
    public static BusinessCalendar AlwaysOpen(TimeZoneInfo timeZone) =>
        new(timeZone, Enum.GetValues<DayOfWeek>().ToDictionary(day => day, _ => new[] { OpenRange.AllDay }));

    /// <summary>
    /// The instant when <paramref name="businessTime"/> of open time has passed since <paramref name="start"/>, in UTC.
    /// A duration that ends exactly at a close gives the close (17:00), not the next opening; zero gives
    /// <see cref="NextOpen"/>.
    /// </summary>
    public DateTimeOffset Add(DateTimeOffset start, TimeSpan businessTime)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(businessTime, TimeSpan.Zero);
        var ticks = start.UtcTicks;
        var remaining = businessTime.Ticks;
        var year = Timeline(ticks);
        for (var searched = 0; searched < MaxYearsSearched; searched++)
        {
            var i = year.FirstClosingAfter(ticks);
            if (i < year.Count)
            {
                var from = Math.Max(year.Opens[i], ticks);
                if (remaining == 0) return Utc(from);
                // Business time from the start of this year's timeline to the answer.
                var position = year.Before[i] + (from - year.Opens[i]) + remaining;
                if (position <= year.Total)
                {
                    var j = year.IntervalEndingAtOrAfter(position, i);
                    return Utc(year.Closes[j] - (year.Before[j + 1] - position));
                }
                remaining = position - year.Total;
            }
            ticks = year.End;
            year = Timeline(ticks);
        }
        throw new InvalidOperationException($"No open time within {MaxYearsSearched} years of {start:O}.");
    }

    /// <summary>Business time between two instants (<paramref name="from"/> not after <paramref name="to"/>).</summary>
    public TimeSpan Between(DateTimeOffset from, DateTimeOffset to)
    {
        var (a, b) = (from.UtcTicks, to.UtcTicks);
        if (b < a) throw new ArgumentException($"{to:O} is before {from:O}.", nameof(to));
        var year = Timeline(a);
        var total = -year.Position(a);
        while (b >= year.End)
        {
            total += year.Total;
            year = Timeline(year.End);
        }
        return TimeSpan.FromTicks(total + year.Position(b));
    }

    /// <summary>The first open instant at or after <paramref name="instant"/>, in UTC.</summary>
    public DateTimeOffset NextOpen(DateTimeOffset instant) => Add(instant, TimeSpan.Zero);

    /// <summary>Whether <paramref name="instant"/> is business time.</summary>
    public bool IsOpen(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        var year = Timeline(ticks);
        var i = year.FirstClosingAfter(ticks);
        return i < year.Count && year.Opens[i] <= ticks;
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);

    private static OpenRange[] Sorted(IEnumerable<OpenRange> ranges) => [.. ranges.OrderBy(r => r.Opens)];

    private static IEnumerable<string> RangeProblems(IEnumerable<OpenRange> ranges, string day)
    {
        var sorted = Sorted(ranges);
        foreach (var range in sorted.Where(r => !r.IsValid))
            yield return $"{day}: range {range} must close after it opens.";
        for (var i = 1; i < sorted.Length; i++)
            if (sorted[i - 1].UntilMidnight || sorted[i].Opens < sorted[i - 1].Closes)
                yield return $"{day}: ranges {sorted[i - 1]} and {sorted[i]} overlap.";
    }

    /// <summary>The cached timeline of the local year that contains <paramref name="utcTicks"/>.</summary>
    private YearTimeline Timeline(long utcTicks)
    {
        // The UTC year is the local year, or its neighbour within a day of New Year.
        var year = TimelineOfYear(new DateTime(utcTicks, DateTimeKind.Utc).Year);
        if (utcTicks < year.Start) return TimelineOfYear(year.Year - 1);
        if (utcTicks >= year.End) return TimelineOfYear(year.Year + 1);
        return year;
    }

    private YearTimeline TimelineOfYear(int year)
    {
        if (year is < FirstYear or > LastYear)
            throw new ArgumentOutOfRangeException(nameof(year), year, $"Business time is computed for {FirstYear}-{LastYear} only.");
        ref var slot = ref _years[year - FirstYear];
        // Built at most a few times under a race, never torn: the timeline is immutable and published whole.
        return Volatile.Read(ref slot) ?? Interlocked.CompareExchange(ref slot, Build(year), null) ?? slot!;
    }

    private YearTimeline Build(int year)
    {
        var opens = new List<long>(600);
        var closes = new List<long>(600);
        var first = new DateOnly(year, 1, 1);
        var next = first.AddYears(1);
        for (var day = first; day < next; day = day.AddDays(1))
        {
            var dayStart = FirstInstant(day, TimeOnly.MinValue);
            var dayEnd = FirstInstant(day.AddDays(1), TimeOnly.MinValue);
            foreach (var range in _holidays.TryGetValue(day, out var hours) ? hours : _week[(int)day.DayOfWeek])
            {
                var open = Math.Max(FirstInstant(day, range.Opens), dayStart);
                var close = range.UntilMidnight ? dayEnd : Math.Min(LastInstant(day, range.Closes), dayEnd);
                if (close <= open) continue; // e.g. a range inside the hour skipped by spring-forward
                if (closes.Count > 0 && closes[^1] >= open)
                    closes[^1] = Math.Max(closes[^1], close); // adjacent ranges (midnight, 24x7) become one interval
                else
                {
                    opens.Add(open);
                    closes.Add(close);
                }
            }
        }
        return new YearTimeline(year, FirstInstant(first, TimeOnly.MinValue), FirstInstant(next, TimeOnly.MinValue), [.. opens], [.. closes]);
    }

    private long FirstInstant(DateOnly day, TimeOnly time) => TimeZone.FirstInstant(day, time).UtcTicks;

    private long LastInstant(DateOnly day, TimeOnly time) => TimeZone.LastInstant(day, time).UtcTicks;

    /// <summary>
    /// One local year's open intervals as UTC ticks, sorted and disjoint, with <see cref="Before"/>[i] the business
    /// time before interval i (so Before[Count] is the year's total).
    /// </summary>
    private sealed class YearTimeline
    {
        public YearTimeline(int year, long start, long end, long[] opens, long[] closes)
        {
            (Year, Start, End, Opens, Closes) = (year, start, end, opens, closes);
            Before = new long[opens.Length + 1];
            for (var i = 0; i < opens.Length; i++) Before[i + 1] = Before[i] + (closes[i] - opens[i]);
        }

        public int Year { get; }
        public long Start { get; }
        public long End { get; }
        public long[] Opens { get; }
        public long[] Closes { get; }
        public long[] Before { get; }
        public int Count => Opens.Length;
        public long Total => Before[^1];

        /// <summary>The first interval still open after <paramref name="ticks"/>, or <see cref="Count"/>.</summary>
        public int FirstClosingAfter(long ticks)
        {
            var i = Array.BinarySearch(Closes, ticks);
            return i >= 0 ? i + 1 : ~i; // closes are strictly increasing: a close instant itself is not open
        }

        /// <summary>The interval in which business position <paramref name="position"/> (0 &lt; position &lt;= Total) is reached.</summary>
        public int IntervalEndingAtOrAfter(long position, int from)
        {
            var i = Array.BinarySearch(Before, from + 1, Count - from, position);
            return (i >= 0 ? i : ~i) - 1;
        }

        /// <summary>Business time from the start of the year to <paramref name="ticks"/>.</summary>
        public long Position(long ticks)
        {
            var i = FirstClosingAfter(ticks);
            return i == Count ? Total : Before[i] + Math.Max(0, ticks - Opens[i]);
        }
    }
}

/// <summary>Where a calendar problem is: a weekday, a holiday (<paramref name="Duplicate"/> when its date is listed
/// twice), or neither (the week as a whole).</summary>
public sealed record CalendarProblem(string Message, DayOfWeek? Day = null, DateOnly? Holiday = null, bool Duplicate = false);
