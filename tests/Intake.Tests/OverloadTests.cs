using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Intake.Api.Data;
using Intake.Api.Overload;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Sla.Contracts;

namespace Intake.Tests;

/// <summary>Intake alone with a backlog bound of 3: nothing starts clocks here unless the test announces them.</summary>
public sealed class OverloadFixture : IAsyncLifetime
{
    public const int Limit = 3;
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;

    public AppFactory<IntakeDbContext> App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-overload");
        App = new AppFactory<IntakeDbContext>(_infrastructure, _virtualHost, "intake",
            new Dictionary<string, string> { ["Intake:Backlog:Limit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }
}

/// <summary>
/// The overload policy (docs/adr/0033): accepted requests whose SLA clock has not started are the backlog; over its
/// bound a non-emergency web request gets 503 with Retry-After and nothing is stored, an emergency is still taken, and
/// once the clocks start requests are taken again. Readiness and the metric show the backlog.
/// </summary>
public sealed class OverloadTests(OverloadFixture fixture) : IClassFixture<OverloadFixture>
{
    private HttpClient Dana() => fixture.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, IntakeDbContext.DemoClientId, "dana", IntakeDbContext.DemoContactId));

    private static object Body(string subject, string? priorityHint = null) =>
        new { subject, description = "The front desk printer reports a jam.", priorityHint };

    private async Task<string> ReadinessAsync()
    {
        using var client = fixture.App.CreateClient();
        var health = await client.GetFromJsonAsync<JsonElement>("/health/ready");
        return health.GetProperty("checks").GetProperty("backlog").GetProperty("status").GetString()!;
    }

    [Fact]
    public async Task Over_the_backlog_bound_a_web_request_gets_503_and_is_not_stored_until_the_clocks_start()
    {
        using var dana = Dana();
        var accepted = new List<Guid>();
        for (var i = 0; i < OverloadFixture.Limit; i++)
        {
            var response = await dana.PostAsJsonAsync("/api/requests", Body($"Queued {i}"));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            accepted.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }
        // The backlog is read once a second; readiness says so while it stays ready.
        await Eventually.TrueAsync(async () => await ReadinessAsync() == "Degraded", "readiness to show the overload");
        Assert.Equal(OverloadFixture.Limit, fixture.App.Services.GetRequiredService<Backlog>().Count);
        Assert.Equal(OverloadFixture.Limit, ObservedBacklog(fixture.App.Services.GetRequiredService<IMeterFactory>()));

        var subject = $"Refused {Guid.NewGuid():N}";
        var refused = await dana.PostAsJsonAsync("/api/requests", Body(subject));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("nothing was stored", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await WithDbAsync(db => db.Requests.AnyAsync(r => r.Subject == subject)));

        // An emergency is always taken.
        var emergency = await dana.PostAsJsonAsync("/api/requests", Body("Server room flooding", "P1"));
        Assert.Equal(HttpStatusCode.Accepted, emergency.StatusCode);
        accepted.Add((await emergency.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());

        // sla announces the clocks (twice over for one of them: a redelivery changes nothing): the backlog drains.
        var bus = fixture.App.Services.GetRequiredService<IBus>();
        var now = DateTimeOffset.UtcNow;
        foreach (var id in accepted.Append(accepted[0]))
            await bus.Publish(new SlaClockStarted(id, IntakeDbContext.DemoClientId, "P3", now, now, now, now, now, "America/New_York", 1));
        await Eventually.TrueAsync(async () => await ReadinessAsync() == "Healthy", "the backlog to drain");
        Assert.False(await WithDbAsync(db => db.Requests.AnyAsync(r => r.AwaitingClock)));

        var again = await dana.PostAsJsonAsync("/api/requests", Body(subject));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }

    private async Task<T> WithDbAsync<T>(Func<IntakeDbContext, Task<T>> query)
    {
        await using var scope = fixture.App.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<IntakeDbContext>());
    }

    /// <summary>What this app's servicedesk.intake.backlog gauge reports to a metrics exporter (other apps in the process have their own).</summary>
    private static long ObservedBacklog(IMeterFactory app)
    {
        long observed = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == app && instrument.Meter.Name == Backlog.MeterName && instrument.Name == "servicedesk.intake.backlog")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => observed = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return observed;
    }
}
