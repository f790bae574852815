using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using ServiceDesk.Platform.Outbox;
using Sla.Api.Data;
using Sla.Api.StateMachines;
using Tickets.Contracts;

namespace Sla.Tests;

/// <summary>Something sla published, as a subscriber sees it: the event's name and its message.</summary>
public sealed record Published(string Type, JsonElement Message, DateTimeOffset ReceivedAt)
{
    /// <summary>Empty for a message about no ticket (CalendarRevised).</summary>
    public Guid TicketId => Message.TryGetProperty("ticketId", out var ticket) ? ticket.GetGuid() : Guid.Empty;
    public string? Target => Message.TryGetProperty("target", out var target) ? target.GetString() : null;
    public string? Commitment => Message.TryGetProperty("commitment", out var commitment) ? commitment.GetString() : null;
    public DateTimeOffset DueAt => Message.GetProperty("dueAt").GetDateTimeOffset();
}

/// <summary>
/// sla in-process on its own database and virtual host, with a 24x7 calendar and every target scaled by
/// <see cref="Scale"/> (a 1-hour target lasts 9 seconds), and a queue that hears every SLA event it publishes.
/// </summary>
public sealed class SlaFixture : IAsyncLifetime
{
    public const double Scale = 0.0025;
    public static readonly Guid ClientA = Guid.Parse("5b0c7a4e-8a59-4c47-9d0e-6f1f3c2b9a10");
    private static readonly string[] Events = ["SlaClockStarted", "SlaDueTimesChanged", "SlaTargetMet", "SlaWarning", "SlaBreached", "CalendarRevised"];

    private readonly ConcurrentQueue<Published> _published = new();
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;
    private IConnection _connection = null!;
    private IChannel _channel = null!;

    public AppFactory<SlaDbContext> App { get; private set; } = null!;

    public IBus Bus => App.Services.GetRequiredService<IBus>();

    /// <summary>A target of <paramref name="hours"/> as configured here.</summary>
    public static TimeSpan Target(double hours) => TimeSpan.FromHours(hours * Scale);

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-sla");

        var rabbit = _infrastructure.RabbitMq;
        _connection = await new ConnectionFactory
        {
            HostName = rabbit.Host, Port = rabbit.Port, UserName = rabbit.Username, Password = rabbit.Password, VirtualHost = _virtualHost,
        }.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync();
        var queue = (await _channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var name in Events)
        {
            // Declared as MassTransit declares it, so the two agree.
            await _channel.ExchangeDeclareAsync($"Sla.Contracts:{name}", ExchangeType.Fanout, durable: true, autoDelete: false);
            await _channel.QueueBindAsync(queue, $"Sla.Contracts:{name}", "");
        }
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            using var envelope = JsonDocument.Parse(delivery.Body);
            var type = delivery.Exchange["Sla.Contracts:".Length..];
            _published.Enqueue(new Published(type, envelope.RootElement.GetProperty("message").Clone(), DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(queue, autoAck: true, consumer);

        var settings = new Dictionary<string, string>
        {
            ["Sla:Calendar:TimeZone"] = "Etc/UTC",
            ["Sla:Calendar:Opens"] = "00:00",
            ["Sla:Calendar:Closes"] = "00:00",
            ["Sla:TargetScale"] = Scale.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var day in Enum.GetValues<DayOfWeek>())
            settings[$"Sla:Calendar:Days:{(int)day}"] = day.ToString();
        App = new AppFactory<SlaDbContext>(_infrastructure, _virtualHost, "sla", settings);
        _ = App.Server; // start the app: migrations run, the bus connects
    }

    /// <summary>Opens a ticket as the tickets service announces it; returns its id and the instant it was entered.</summary>
    public async Task<(Guid Id, DateTimeOffset OpenedAt)> OpenTicketAsync(string priority, Guid? messageId = null, Guid? clientId = null,
        string contactEmail = "dana@acme-dental.example")
    {
        var id = NewId.NextGuid();
        var openedAt = Now();
        await PublishAsync(new TicketOpened(id, 1, clientId ?? ClientA, contactEmail, "Dana", "web", "Printer jam", priority, openedAt), messageId);
        return (id, openedAt);
    }

    /// <summary>Publishes tickets' ClientChanged for a client and waits until sla consumed it (applied or ignored).</summary>
    public async Task ChangeClientAsync(Guid clientId, int revision, string tier, string? calendarId, string? name = null,
        IReadOnlyList<ContactSnapshot>? contacts = null)
    {
        var messageId = NewId.NextGuid();
        await PublishAsync(new ClientChanged(clientId, revision, name ?? $"Client {clientId:N}", tier, calendarId, true, contacts ?? [], Now(), "dispatcher"), messageId);
        await Eventually.TrueAsync(async () =>
        {
            await using var scope = App.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<SlaDbContext>().Set<InboxState>()
                .AnyAsync(i => i.MessageId == messageId && i.Consumed != null);
        }, $"sla to consume ClientChanged revision {revision}");
    }

    /// <summary>The ticket's clock once it exists, as GET /api/sla/tickets/{id} shows it to staff.</summary>
    public async Task<JsonElement> ClockAsync(Guid ticketId)
    {
        await Eventually.TrueAsync(async () => await SagaAsync(ticketId) is not null, "the clock to start");
        return await StatusAsync(ticketId);
    }

    public HttpClient Admin() => App.CreateClient().As(TestAuth.Token(Roles.Admin, subject: "ada"));

    public Task PublishAsync<T>(T message, Guid? messageId = null) where T : class =>
        Bus.Publish(message, context =>
        {
            if (messageId is { } id) context.MessageId = id;
        });

    public static TicketStatusChanged StatusChanged(Guid id, string from, string to, DateTimeOffset at, int version = 0) =>
        new(id, ClientA, from, to, at, "tech@msp.example", "web", TicketVersion: version);

    /// <summary>Publishes and waits until sla's saga consumed it, so the next message arrives after it.</summary>
    public async Task PublishConsumedAsync<T>(T message, string what) where T : class
    {
        const int consumers = 1; // the saga (it writes the reports too, docs/adr/0034)
        var messageId = NewId.NextGuid();
        await PublishAsync(message, messageId);
        await Eventually.TrueAsync(async () =>
        {
            await using var scope = App.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<SlaDbContext>().Set<InboxState>()
                .CountAsync(i => i.MessageId == messageId && i.Consumed != null) == consumers;
        }, $"sla to consume {what}");
    }

    /// <summary>Now, to the millisecond (what the events and the database carry round-trip exactly).</summary>
    public static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }

    /// <summary>Everything sla published about a ticket so far, in the order it arrived.</summary>
    /// <summary>The CalendarRevised sla published for one calendar's revision.</summary>
    public Task<Published> CalendarRevisedAsync(Guid calendarId, int revision) =>
        Eventually.GetAsync(() => Task.FromResult(_published.FirstOrDefault(p => p.Type == "CalendarRevised"
                && p.Message.GetProperty("calendarId").GetGuid() == calendarId && p.Message.GetProperty("revision").GetInt32() == revision)),
            $"CalendarRevised {calendarId} revision {revision}");

    public IReadOnlyList<Published> PublishedFor(Guid ticketId) => [.. _published.Where(p => p.TicketId == ticketId)];

    public Task<Published> PublishedAsync(Guid ticketId, string what, Func<Published, bool> match, TimeSpan? within = null) =>
        Eventually.GetAsync(() => Task.FromResult(PublishedFor(ticketId).FirstOrDefault(match)), what, within,
            () => string.Join("\n", PublishedFor(ticketId).Select(p => $"{p.Type} {p.Message}")));

    public async Task<TicketSlaState?> SagaAsync(Guid ticketId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SlaDbContext>().TicketSlas.AsNoTracking()
            .SingleOrDefaultAsync(s => s.CorrelationId == ticketId);
    }

    public HttpClient Staff() => App.CreateClient().As(TestAuth.Token(Roles.Technician));

    /// <summary>GET /api/sla/tickets/{id} as staff.</summary>
    public Task<JsonElement> StatusAsync(Guid ticketId) =>
        Staff().GetFromJsonAsync<JsonElement>(new Uri($"/api/sla/tickets/{ticketId}", UriKind.Relative));

    public async Task DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
        await App.DisposeAsync();
        await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }
}
