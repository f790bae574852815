using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Intake.Contracts;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;
using Sla.Contracts;
using ServiceDesk.Testing;
using Tickets.Api.Data;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

/// <summary>A clock the tests set: "now" for the service is whatever the test says.</summary>
public sealed class TestClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>The tickets app with the test clock in place of the system's.</summary>
public sealed class TicketsFactory(Infrastructure infrastructure, string virtualHost, TestClock clock)
    : AppFactory<TicketsDbContext>(infrastructure, virtualHost, "tickets")
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock));
    }
}

[CollectionDefinition(Name)]
public sealed class TicketsCollection : ICollectionFixture<TicketsFixture>
{
    public const string Name = "tickets";
}

/// <summary>
/// Tickets in-process on its own database and virtual host, with a queue bound to every event tickets publishes,
/// so tests see exactly what sla, billing and notify would receive.
/// </summary>
public sealed class TicketsFixture : IAsyncLifetime
{
    public static readonly string[] EventTypes =
        ["TicketOpened", "TicketStatusChanged", "TicketResolved", "TicketPriorityChanged", "PublicReplyPosted", "TimeEntryRecorded", "TicketAssigned", "ClientChanged", "TicketMerged",
            "CallDownExhausted", "CallDownReached", "AfterHoursWorkApproved", "OnCallPaged", "PageAcknowledged", "PagingExhausted"];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly List<(string Type, JsonElement Message)> _published = [];
    private readonly SemaphoreSlim _draining = new(1, 1);
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;
    private IConnection _connection = null!;
    private IChannel _channel = null!;
    private string _queue = null!;

    public TestClock Clock { get; } = new();
    public TicketsFactory App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-tickets");
        var rabbit = _infrastructure.RabbitMq;
        _connection = await new ConnectionFactory
        {
            HostName = rabbit.Host, Port = rabbit.Port, UserName = rabbit.Username, Password = rabbit.Password, VirtualHost = _virtualHost,
        }.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync();
        _queue = (await _channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var type in EventTypes)
        {
            // Declared as MassTransit declares it, so the two agree.
            await _channel.ExchangeDeclareAsync($"Tickets.Contracts:{type}", ExchangeType.Fanout, durable: true, autoDelete: false);
            await _channel.QueueBindAsync(_queue, $"Tickets.Contracts:{type}", "");
        }

        App = new TicketsFactory(_infrastructure, _virtualHost, Clock);
        _ = App.Server; // start the app: migrations run, the bus connects
        // The tests run at any hour: the default calendar (every client without one of its own) is open around the clock, so
        // only the after-hours tests, whose clients name a calendar that is closed now, meet the after-hours gate.
        await CalendarAsync(AlwaysOpen(new CalendarCopyOptions().DefaultCalendarId));
    }

    public HttpClient As(string role, Guid? clientId = null, string? subject = null) =>
        App.CreateClient().As(TestAuth.Token(role, clientId, subject));

    public HttpClient Technician(string subject = "tess") => As(Roles.Technician, subject: subject);

    public HttpClient Dispatcher(string subject = "dora") => As(Roles.Dispatcher, subject: subject);

    public async Task<T> WithDbAsync<T>(Func<TicketsDbContext, Task<T>> query)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<TicketsDbContext>());
    }

    /// <summary>Opens a ticket the way production does: intake's event, through the broker, to the consumer.</summary>
    public async Task<TicketView> OpenTicketAsync(Guid clientId, string channel = "web", DateTimeOffset? receivedAt = null,
        string? subject = null)
    {
        var id = Guid.NewGuid();
        await App.Services.GetRequiredService<IBus>().Publish(new ServiceRequestReceived(id, channel, receivedAt ?? Clock.Now, clientId,
            "dana@acme-dental.example", "Dana Reyes", subject ?? $"Printer jam {id:N}", "The printer reports a jam.", "P2"));
        await Eventually.TrueAsync(() => WithDbAsync(db => db.Tickets.AnyAsync(t => t.Id == id)), $"ticket {id} to open");
        return await GetTicketAsync(id);
    }

    /// <summary>Publishes sla's calendar revision and waits until tickets keeps it.</summary>
    public async Task CalendarAsync(CalendarRevised calendar)
    {
        await PublishAsync(calendar);
        await Eventually.TrueAsync(() => WithDbAsync(db => db.Calendars.AnyAsync(c => c.CalendarId == calendar.CalendarId && c.Revision >= calendar.Revision)),
            $"calendar {calendar.CalendarId}");
    }

    /// <summary>A calendar open all day, every day.</summary>
    public static CalendarRevised AlwaysOpen(Guid id) => Calendar(id, Enum.GetValues<DayOfWeek>()
        .Select(d => new CalendarRevisedDay(d, [new CalendarRevisedRange(TimeOnly.MinValue, TimeOnly.MinValue)])));

    public static CalendarRevised Calendar(Guid id, IEnumerable<CalendarRevisedDay> week) =>
        new(id, 1, $"Calendar {id}", "Etc/UTC", [.. week], [], DateTimeOffset.UtcNow, "admin");

    /// <summary>Publishes as another service would, through the broker to the consumer.</summary>
    public Task PublishAsync<T>(T message) where T : class => App.Services.GetRequiredService<IBus>().Publish(message);

    /// <summary>A request from the client's contact, with the thread hints intake would have read.</summary>
    public static ServiceRequestReceived Request(Guid clientId, ThreadHints? thread, string subject, string body) =>
        new(Guid.NewGuid(), "email", DateTimeOffset.UtcNow.AddMinutes(-1), clientId, "dana@acme-dental.example", "Dana Reyes", subject, body, null)
        {
            Version = ServiceRequestReceived.CurrentVersion,
            Thread = thread,
        };

    /// <summary>Moves the ticket as a technician, asserting the move is accepted.</summary>
    public async Task<TicketView> MoveAsync(TicketView ticket, string to)
    {
        var response = await Technician().PostAsync($"/api/tickets/{ticket.Id}/status", new { to, version = ticket.Version });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<TicketView>();
    }

    public async Task<AuditView[]> AuditAsync(Guid ticketId) =>
        await (await Technician().GetAsync($"/api/tickets/{ticketId}/audit")).ReadAsync<AuditView[]>();

    public async Task<TicketView> GetTicketAsync(Guid id) =>
        (await Technician().GetFromJsonAsync<TicketView>(new Uri($"/api/tickets/{id}", UriKind.Relative), Json))!;

    /// <summary>The messages of one type published so far for one ticket (its "ticketId"; a client's "clientId" for ClientChanged).</summary>
    public async Task<JsonElement[]> PublishedAsync(string type, Guid ticketId)
    {
        await _draining.WaitAsync();
        try
        {
            while (await _channel.BasicGetAsync(_queue, autoAck: true) is { } delivery)
            {
                var envelope = JsonDocument.Parse(Encoding.UTF8.GetString(delivery.Body.Span)).RootElement;
                var messageType = envelope.GetProperty("messageType")[0].GetString()!;
                _published.Add((messageType[(messageType.LastIndexOf(':') + 1)..], envelope.GetProperty("message").Clone()));
            }
            return [.. _published.Where(p => p.Type == type && p.Message.GetProperty(type == "ClientChanged" ? "clientId" : "ticketId").GetGuid() == ticketId).Select(p => p.Message)];
        }
        finally
        {
            _draining.Release();
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> such messages arrived, and returns them all.</summary>
    public Task<JsonElement[]> EventuallyPublishedAsync(string type, Guid ticketId, int count = 1) =>
        Eventually.GetAsync(async () => await PublishedAsync(type, ticketId) is { } found && found.Length >= count ? found : null,
            $"{count} {type} for ticket {ticketId}");

    /// <summary>Also after a failed start (the broker down): whatever was set up is taken down, nothing more.</summary>
    public async Task DisposeAsync()
    {
        if (_channel is not null) await _channel.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
        if (App is not null) await App.DisposeAsync();
        if (_virtualHost is not null) await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
        _draining.Dispose();
    }
}

/// <summary>Requests the tests send, and reading their answers.</summary>
public static class Http
{
    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, TicketsFixture.Json);

    public static Task<HttpResponseMessage> PutAsync(this HttpClient client, string path, object body) =>
        client.PutAsJsonAsync(new Uri(path, UriKind.Relative), body, TicketsFixture.Json);

    public static Task<HttpResponseMessage> GetAsync(this HttpClient client, string path) =>
        client.GetAsync(new Uri(path, UriKind.Relative));

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(TicketsFixture.Json))!;

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Asserts a 400 whose problem details name <paramref name="field"/>.</summary>
    public static async Task AssertInvalidAsync(this HttpResponseMessage response, string field)
    {
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"'{field}' not named in {problem}");
    }
}
