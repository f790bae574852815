using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

/// <summary>
/// A database of its own with 100,000 tickets (most of them closed, as in a desk a few years old), analysed; each queue
/// view's real query (the one the endpoint runs) must be answered by its index, already in queue order: no sequential
/// scan and no sort, so a page costs the same at 1 million tickets.
/// </summary>
public sealed class QueueIndexFixture : IAsyncLifetime
{
    public const int Rows = 100_000;
    public static readonly Guid Client = new("00000000-0000-0000-0000-000000000007");
    public static readonly Guid Team = new("00000000-0000-0000-0000-000000000003");

    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;

    public TicketsFactory App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-tickets-index");
        App = new TicketsFactory(_infrastructure, _virtualHost, new TestClock());
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TicketsDbContext>();
        // Clients 0..199, teams 0..19, technicians 0..299; 85 % finished; priorities spread; a year of openings.
        await db.Database.ExecuteSqlRawAsync($"""
            INSERT INTO tickets ("Id", "ClientId", "ContactEmail", "Channel", "Subject", "Description", "Status", "Priority", "OpenedAt", "TeamId", "Assignee")
            SELECT gen_random_uuid(),
                   ('00000000-0000-0000-0000-' || lpad((n % 200)::text, 12, '0'))::uuid,
                   'someone@client.example', 'web', 'Subject ' || n, 'Description',
                   CASE WHEN n % 100 < 85 THEN 'Closed' ELSE (ARRAY['New','Acknowledged','Scheduled','InProgress','WaitingOnClient','Reopened'])[1 + n % 6] END,
                   'P' || (1 + (n * 7) % 4),
                   now() - (n || ' minutes')::interval * 5,
                   CASE WHEN n % 10 = 0 THEN NULL ELSE ('00000000-0000-0000-0000-' || lpad((n % 20)::text, 12, '0'))::uuid END,
                   CASE WHEN n % 4 = 0 THEN NULL ELSE 'tech-' || (n % 300) END
            FROM generate_series(1, {Rows}) AS n;
            -- About 1 % of tickets at risk and 1 % breached, as sla's warnings leave them.
            UPDATE tickets SET "Sla_RiskPercent" = 75, "Sla_RiskTarget" = 'work-begins' WHERE hashtext("Id"::text) % 100 = 0;
            UPDATE tickets SET "Sla_BreachedAt" = "OpenedAt" + interval '1 day', "Sla_BreachedTarget" = 'acknowledge' WHERE hashtext("Id"::text) % 100 = 1;
            ANALYZE tickets;
            """);
    }

    /// <summary>The plan PostgreSQL makes for the endpoint's own query under <paramref name="tenant"/>.</summary>
    public async Task<string> PlanAsync(QueueFilter filter, ClaimsPrincipal? caller = null)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var accessor = new HttpContextAccessor { HttpContext = new DefaultHttpContext { User = caller ?? Staff } };
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<TicketsDbContext>>().CreateDbContextAsync();
        var tenant = new Tenant(accessor);
        (db.ClientId, db.OwnTicketsOf) = (tenant.ClientId, tenant.OwnTicketsOf);
        await using var command = QueueEndpoints.Query(db, filter).CreateDbCommand();
        command.CommandText = "EXPLAIN " + command.CommandText;
        await db.Database.OpenConnectionAsync();
        var plan = new StringBuilder();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.AppendLine(reader.GetString(0));
        return plan.ToString();
    }

    private static ClaimsPrincipal Staff => new(new ClaimsIdentity([new Claim("role", Roles.Technician), new Claim("sub", "tech-7")], "test", "sub", "role"));

    public static ClaimsPrincipal ClientUser => new(new ClaimsIdentity(
        [new Claim("role", Roles.ClientUser), new Claim(Claims.ClientId, Client.ToString())], "test", "sub", "role"));

    public async Task DisposeAsync()
    {
        if (App is not null) await App.DisposeAsync();
        if (_virtualHost is not null) await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }
}

public sealed class QueueIndexTests(QueueIndexFixture database) : IClassFixture<QueueIndexFixture>
{
    private static QueueFilter Filter(string view = "all", TicketStatus[]? statuses = null, Guid? teamId = null) =>
        new(view, statuses ?? TicketLifecycle.Open, null, teamId, null, "tech-7", null, null, QueueEndpoints.DefaultLimit);

    private static void AssertServedBy(string index, string plan)
    {
        Assert.Contains($"Index Scan using {index} ", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task My_tickets_are_read_from_the_assignee_index_in_queue_order() =>
        AssertServedBy("ix_tickets_assignee_queue", await database.PlanAsync(Filter("mine")));

    [Fact]
    public async Task A_teams_queue_is_read_from_the_team_index_in_queue_order() =>
        AssertServedBy("ix_tickets_team_queue", await database.PlanAsync(Filter(teamId: QueueIndexFixture.Team)));

    [Fact]
    public async Task Tickets_in_one_status_are_read_from_the_status_index_in_queue_order() =>
        AssertServedBy("ix_tickets_status_queue", await database.PlanAsync(Filter(statuses: [TicketStatus.WaitingOnClient])));

    [Fact]
    public async Task A_client_users_list_is_read_from_the_client_index_in_queue_order() =>
        AssertServedBy("ix_tickets_client_queue", await database.PlanAsync(Filter(), QueueIndexFixture.ClientUser));

    [Fact]
    public async Task The_at_risk_view_is_read_from_its_partial_index_in_queue_order() =>
        AssertServedBy("ix_tickets_at_risk_queue", await database.PlanAsync(Filter("at-risk")));

    [Fact]
    public async Task The_breached_view_is_read_from_its_partial_index_in_queue_order() =>
        AssertServedBy("ix_tickets_breached_queue", await database.PlanAsync(Filter("breached")));

    [Fact]
    public async Task The_whole_open_queue_pages_by_keyset_on_the_queue_index()
    {
        var filter = Filter() with { After = ("P2", DateTimeOffset.UtcNow.AddDays(-30), Guid.Empty) };
        var plan = await database.PlanAsync(filter);
        AssertServedBy("ix_tickets_queue", plan);
        // The keyset bound is an index condition (where the scan starts), not a filter applied row by row.
        Assert.Contains("Index Cond: (ROW(", plan, StringComparison.Ordinal);
    }
}
