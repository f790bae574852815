using ServiceDesk.Testing;

namespace RouteInventory.Tests;

/// <summary>Notify refuses to start with a sender address it could never send from.</summary>
public sealed class NotifyStartupTests
{
    [Fact]
    public async Task Malformed_sender_address_fails_start_up_naming_the_key()
    {
        var infrastructure = await Infrastructure.Shared;
        await using var notify = new AppFactory<Notify.Api.Data.NotifyDbContext>(infrastructure, "/", "notify",
            new Dictionary<string, string> { ["Smtp:From"] = "ServiceDesk <not an address" });

        var failure = Record.Exception(() => notify.Server);

        Assert.NotNull(failure);
        Assert.Contains("Smtp:From 'ServiceDesk <not an address' is not a mail address", failure.ToString(), StringComparison.Ordinal);
    }
}
