using ServiceDesk.Testing;
using Sla.Api.Data;

namespace Sla.Tests;

/// <summary>A bad SLA setting stops the service at start-up with a message naming the key to fix.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Sla:TargetScale", "0", "Sla:TargetScale must be greater than 0")]
    [InlineData("Sla:EscalationPercents:0", "50", "Sla:EscalationPercents: Escalation steps must end with 100")]
    [InlineData("Sla:PauseStatuses:0", "Resolved", "Sla:PauseStatuses: Resolved cannot pause the clock")]
    [InlineData("Sla:DefaultTier", "gold", "Sla:DefaultTier 'gold' is not a tier")]
    [InlineData("Sla:Calendar:Closes", "07:00", "Sla:Calendar:Closes must be after Sla:Calendar:Opens")]
    public async Task Bad_setting_fails_start_up_naming_the_key(string key, string value, string expected)
    {
        var infrastructure = await Infrastructure.Shared;
        await using var app = new AppFactory<SlaDbContext>(infrastructure, "/", "sla", new Dictionary<string, string> { [key] = value });

        var failure = Record.Exception(() => app.Server);

        Assert.NotNull(failure);
        Assert.Contains(expected, failure.ToString(), StringComparison.Ordinal);
    }
}
