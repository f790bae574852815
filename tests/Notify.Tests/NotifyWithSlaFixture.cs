using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Testing;
using Sla.Api.Data;

namespace Notify.Tests;

[CollectionDefinition(Name)]
public sealed class NotifyWithSlaCollection : ICollectionFixture<NotifyWithSlaFixture>
{
    public const string Name = "notify-with-sla";
}

/// <summary>
/// notify and sla in-process on one virtual host, as in production: sla starts the clocks notify acknowledges, hosts
/// the durable scheduler notify's retries go through, and records what notify reports as failed.
/// </summary>
public sealed class NotifyWithSlaFixture : NotifyFixture
{
    public AppFactory<SlaDbContext> Sla { get; private set; } = null!;

    protected override bool StandsInForScheduler => false;

    protected override Task StartMoreAsync(Infrastructure infrastructure, string virtualHost)
    {
        // Around the clock, real targets: nothing falls due during a test unless a test makes it.
        var settings = new Dictionary<string, string>
        {
            ["Sla:Calendar:TimeZone"] = "Etc/UTC",
            ["Sla:Calendar:Opens"] = "00:00",
            ["Sla:Calendar:Closes"] = "00:00",
        };
        foreach (var day in Enum.GetValues<DayOfWeek>())
            settings[$"Sla:Calendar:Days:{(int)day}"] = day.ToString();
        Sla = new AppFactory<SlaDbContext>(infrastructure, virtualHost, "sla", settings);
        _ = Sla.Server;
        return Task.CompletedTask;
    }

    protected override async ValueTask StopMoreAsync()
    {
        if (Sla is not null) await Sla.DisposeAsync();
    }

    /// <summary>Opens the ticket as tickets announces it: sla starts its clock, from which notify learns of it and acknowledges it.</summary>
    public override async Task KnowAsync(Tickets.Contracts.TicketOpened ticket)
    {
        await PublishAsync(ticket);
        await Eventually.TrueAsync(() => WithDbAsync(db => db.Contacts.AnyAsync(c => c.TicketId == ticket.TicketId)), $"notify to know {ticket.TicketId}");
    }

    /// <summary>The ticket's clock as staff see it (GET /api/sla/tickets/{id}).</summary>
    public async Task<JsonElement?> ClockAsync(Guid ticketId)
    {
        using var staff = Sla.CreateClient().As(TestAuth.Token("technician"));
        using var response = await staff.GetAsync($"/api/sla/tickets/{ticketId}");
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }
}
