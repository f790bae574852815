using System.Collections.Concurrent;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Notify.Api.Data;
using Notify.Api.Domain;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Testing;
using Sla.Contracts;
using Tickets.Contracts;

namespace Notify.Tests;

[CollectionDefinition(Name)]
public sealed class NotifyCollection : ICollectionFixture<NotifyFixture>
{
    public const string Name = "notify";
}

/// <summary>
/// notify in-process on its own database and virtual host, sending to a real SMTP server (aiosmtpd), with a queue that
/// hears what notify publishes. Tests publish what tickets and sla would.
/// </summary>
public class NotifyFixture : IAsyncLifetime
{
    public const string Domain = "servicedesk.example";
    private static readonly string[] Events = ["AcknowledgementSent", "ReplyMailed", "CommunicationFailed", "PageReplyReceived"];

    /// <summary>The SMS channel's secret (Channels:sms:Secret): it signs the page replies it passes on.</summary>
    public const string SmsChannelSecret = "the-sms-channel-secret-0123456789abcdef";
    public const string TwilioAuthToken = "test-twilio-auth-token-0123456789";
    public const string TwilioFrom = "+15005550006";
    public const string BounceToken = "test-bounce-token-0123456789abcdef0123456789";
    public const string Desk = "desk@msp.example";
    public const string NetworkTeamAddress = "network@msp.example";
    public static readonly Guid NetworkTeam = Guid.Parse("5e1f7c1e-0000-4000-8000-00000000a001");
    /// <summary>Staff with addresses in the Staff section: name → (email, phone).</summary>
    public static readonly IReadOnlyDictionary<string, (string Email, string Phone)> People = new Dictionary<string, (string, string)>
    {
        ["tess"] = ("tess@msp.example", "+15550100001"),
        ["ravi"] = ("ravi@msp.example", "+15550100002"),
        ["mo"] = ("mo@msp.example", "+15550100003"),
        ["lee"] = ("lee@msp.example", "+15550100004"),
        // On call in the paging tests only, so their pages and calls do not add to anyone else's.
        ["ana"] = ("ana@msp.example", "+15550100005"),
        ["pat"] = ("pat@msp.example", "+15550100006"),
        ["oli"] = ("oli@msp.example", "+15550100007"),
        // The assignee in the failure-notice test only, so its notices do not add to anyone else's mail.
        ["kim"] = ("kim@msp.example", "+15550100008"),
        ["ivy"] = ("ivy@msp.example", "+15550100009"), // answers her pages by SMS
        // With alert preferences of their own (StaffPreferenceTests only): quiet hours, and texts only.
        ["uma"] = ("uma@msp.example", "+15550100010"),
        ["zoe"] = ("zoe@msp.example", "+15550100011"),
        // Takes her pages by SMS reply in the confirmation and reply-race tests only.
        ["max"] = ("max@msp.example", "+15550100012"),
    };
    /// <summary>The waits before the 2nd and 3rd attempt (Notify:RetryDelays): three attempts in all.</summary>
    public static readonly TimeSpan[] RetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];
    private readonly ConcurrentQueue<ScheduledRetry> _scheduled = new();
    private readonly ConcurrentQueue<(string Type, JsonElement Message)> _published = new();
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;
    private IConnection _connection = null!;
    private IChannel _channel = null!;

    public SmtpServer Smtp { get; private set; } = null!;
    public FakeTwilio Twilio { get; } = new();
    /// <summary>The integrator every staff alert is posted to (Staff:Webhooks = pager).</summary>
    public WebhookReceiver Pager { get; } = new();
    public const string PagerSecret = "test-pager-webhook-secret-0123456789abcdef";
    public AppFactory<NotifyDbContext> App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-notify");
        Smtp = await SmtpServer.StartAsync();

        var rabbit = _infrastructure.RabbitMq;
        _connection = await new ConnectionFactory
        {
            HostName = rabbit.Host, Port = rabbit.Port, UserName = rabbit.Username, Password = rabbit.Password, VirtualHost = _virtualHost,
        }.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync();
        var queue = (await _channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var exchange in Events.Select(name => $"Notify.Contracts:{name}").Append(ScheduleExchange))
        {
            // Declared as MassTransit declares it, so the two agree.
            await _channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await _channel.QueueBindAsync(queue, exchange, "");
        }
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            using var envelope = JsonDocument.Parse(delivery.Body);
            if (delivery.Exchange == ScheduleExchange)
            {
                if (StandsInForScheduler) Schedule(envelope.RootElement);
            }
            else
                _published.Enqueue((delivery.Exchange["Notify.Contracts:".Length..], envelope.RootElement.GetProperty("message").Clone()));
            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(queue, autoAck: true, consumer);

        var settings = new Dictionary<string, string>
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Smtp:From"] = $"ServiceDesk <support@{Domain}>",
            ["Twilio:BaseUrl"] = Twilio.BaseUrl,
            ["Twilio:AccountSid"] = "AC0123456789abcdef0123456789abcdef",
            ["Twilio:AuthToken"] = TwilioAuthToken,
            ["Twilio:From"] = TwilioFrom,
            ["Twilio:PublicBaseUrl"] = "http://localhost", // the test client's origin, as the gateway's would be
            ["Notify:RetryDelays:0"] = RetryDelays[0].ToString(),
            ["Notify:RetryDelays:1"] = RetryDelays[1].ToString(),
            ["Notify:BounceToken"] = BounceToken,
            ["Channels:sms:Secret"] = SmsChannelSecret,
            ["Notify:PublicBaseUrl"] = "https://desk.example.com",
            ["Staff:Desk"] = Desk,
            ["Staff:Webhooks:0"] = "pager",
            ["Webhooks:pager:Url"] = Pager.Url,
            ["Webhooks:pager:Secret"] = PagerSecret,
            [$"Staff:Teams:{NetworkTeam}"] = NetworkTeamAddress,
        };
        foreach (var (name, (email, phone)) in People)
        {
            settings[$"Staff:People:{name}:Email"] = email;
            settings[$"Staff:People:{name}:Phone"] = phone;
        }
        App = new AppFactory<NotifyDbContext>(_infrastructure, _virtualHost, "notify", settings);
        _ = App.Server; // start the app: migrations run, the bus connects
        await StartMoreAsync(_infrastructure, _virtualHost);
    }

    /// <summary>False when a service on the virtual host hosts the real durable scheduler (sla).</summary>
    protected virtual bool StandsInForScheduler => true;

    /// <summary>Starts other apps on the same virtual host, after notify.</summary>
    protected virtual Task StartMoreAsync(Infrastructure infrastructure, string virtualHost) => Task.CompletedTask;

    /// <summary>Stops what <see cref="StartMoreAsync"/> started.</summary>
    protected virtual ValueTask StopMoreAsync() => ValueTask.CompletedTask;

    private const string ScheduleExchange = "MassTransit.Scheduling:ScheduleMessage";

    /// <summary>A retry notify asked the scheduler for: which delivery, after which attempt, asked at and due at.</summary>
    public sealed record ScheduledRetry(Guid DeliveryId, int Attempt, DateTimeOffset SentAt, DateTimeOffset DueAt);

    public IReadOnlyList<ScheduledRetry> Scheduled(Guid deliveryId) => [.. _scheduled.Where(s => s.DeliveryId == deliveryId)];

    /// <summary>
    /// Stands in for the durable scheduler, which sla hosts (its own tests cover it): records what notify scheduled and
    /// publishes the payload when it falls due, as the scheduler would.
    /// </summary>
    private void Schedule(JsonElement envelope)
    {
        var schedule = envelope.GetProperty("message");
        var payload = schedule.GetProperty("payload");
        var retry = new ScheduledRetry(payload.GetProperty("deliveryId").GetGuid(), payload.GetProperty("attempt").GetInt32(),
            envelope.GetProperty("sentTime").GetDateTimeOffset(), schedule.GetProperty("scheduledTime").GetDateTimeOffset());
        _scheduled.Enqueue(retry);
        _ = Task.Run(async () =>
        {
            var wait = retry.DueAt - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            await Bus.Publish(new Notify.Api.Sending.RetryDelivery(retry.DeliveryId, retry.Attempt));
        });
    }

    public IBus Bus => App.Services.GetRequiredService<IBus>();

    public async Task<Guid> PublishAsync<T>(T message, Guid? messageId = null) where T : class
    {
        var id = messageId ?? NewId.NextGuid();
        await Bus.Publish(message, context => context.MessageId = id);
        return id;
    }

    /// <summary>A ticket as tickets opens it, which notify then knows (<see cref="KnowAsync"/>).</summary>
    public async Task<TicketOpened> OpenTicketAsync(long number, Guid? teamId = null, string priority = "P2")
    {
        var ticket = new TicketOpened(Guid.NewGuid(), number, Guid.NewGuid(), $"dana.{number}@acme-dental.example", "Dana Reyes", "email",
            $"Printer jam {number}", priority, DateTimeOffset.UtcNow, teamId);
        await KnowAsync(ticket);
        return ticket;
    }

    /// <summary>
    /// Makes notify know the ticket. notify learns of a ticket from its clock's start, which acknowledges it too
    /// (docs/adr/0068); for the cases about what follows (replies, alerts, pages) the row is written here as that start
    /// writes it, without the acknowledgement. With sla (<see cref="NotifyWithSlaFixture"/>) the ticket is opened and
    /// sla starts its clock.
    /// </summary>
    public virtual Task KnowAsync(TicketOpened ticket) => WithDbAsync(db =>
    {
        db.Contacts.Add(new TicketContact
        {
            TicketId = ticket.TicketId, Number = ticket.Number, ClientId = ticket.ClientId, Email = ticket.ContactEmail, Name = ticket.ContactName,
            Subject = ticket.Subject, Channel = ticket.Channel, TeamId = ticket.TeamId,
        });
        return db.SaveChangesAsync();
    });

    /// <summary>The ticket's clock's start as sla announces it, with the ticket, work to begin by <paramref name="workBegins"/> (4 h from now).</summary>
    public static SlaClockStarted Started(TicketOpened ticket, DateTimeOffset? workBegins = null, string timeZone = "Etc/UTC")
    {
        var now = DateTimeOffset.UtcNow;
        return new SlaClockStarted(ticket.TicketId, ticket.ClientId, ticket.Priority, now, now.AddHours(1), now.AddMinutes(30),
            workBegins ?? now.AddHours(4), workBegins ?? now.AddHours(2), timeZone)
        {
            Ticket = new OpenedTicket(ticket.Number, ticket.ContactEmail, ticket.ContactName, ticket.Channel, ticket.Subject, ticket.TeamId),
        };
    }

    /// <summary>Starts the ticket's clock as sla announces it; notify acknowledges by mail. Returns the acknowledgement's Message-ID.</summary>
    public async Task<string> AcknowledgeAsync(TicketOpened ticket)
    {
        await PublishAsync(Started(ticket));
        var sent = await PublishedAsync("AcknowledgementSent", m => m.GetProperty("ticketId").GetGuid() == ticket.TicketId);
        return sent[0].GetProperty("messageId").GetString()!;
    }

    public static PublicReplyPosted Reply(TicketOpened ticket, string body) =>
        new(Guid.NewGuid(), ticket.TicketId, ticket.Number, ticket.ClientId, ticket.ContactEmail, ticket.ContactName, ticket.Subject, body,
            "tess", DateTimeOffset.UtcNow, "web");

    public IReadOnlyList<JsonElement> Published(string type, Func<JsonElement, bool> match) =>
        [.. _published.Where(p => p.Type == type && match(p.Message)).Select(p => p.Message)];

    /// <summary>Waits until at least <paramref name="count"/> such messages arrived, and returns them all.</summary>
    public Task<IReadOnlyList<JsonElement>> PublishedAsync(string type, Func<JsonElement, bool> match, int count = 1) =>
        Eventually.GetAsync(() => Task.FromResult(Published(type, match) is { } found && found.Count >= count ? found : null),
            $"{count} {type}", explain: Explain);

    /// <summary>The ticket's ledger rows, oldest first.</summary>
    public Task<List<Notify.Api.Domain.Delivery>> DeliveriesAsync(Guid ticketId) =>
        WithDbAsync(db => db.Deliveries.AsNoTracking().Where(d => d.TicketId == ticketId).OrderBy(d => d.CreatedAt).ToListAsync());

    /// <summary>Waits until one of the ticket's ledger rows matches.</summary>
    public Task<Notify.Api.Domain.Delivery> DeliveryAsync(Guid ticketId, Func<Notify.Api.Domain.Delivery, bool> match, string what) =>
        Eventually.GetAsync(async () => (await DeliveriesAsync(ticketId)).FirstOrDefault(match), what, explain: Explain);

    /// <summary>Every mail the SMTP server accepted to this address.</summary>
    public IReadOnlyList<MimeMessage> MailsTo(string address) =>
        [.. Smtp.Messages().Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>Every mail the SMTP server accepted with this Message-ID.</summary>
    public IReadOnlyList<MimeMessage> Mails(string messageId) => [.. Smtp.Messages().Where(m => m.MessageId == messageId)];

    public async Task<T> WithDbAsync<T>(Func<NotifyDbContext, Task<T>> query)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<NotifyDbContext>());
    }

    /// <summary>The inbox's record of one message, once its consumer has run and its messages are delivered.</summary>
    public Task<InboxState> ConsumedAsync(Guid messageId) =>
        Eventually.GetAsync(() => WithDbAsync(db => db.Set<InboxState>().AsNoTracking()
                .SingleOrDefaultAsync(i => i.MessageId == messageId && i.Consumed != null && i.Delivered != null)),
            $"message {messageId} to be consumed", explain: Explain);

    /// <summary>Waits until the inbox saw the message again after <paramref name="before"/>.</summary>
    public Task RedeliveredAsync(InboxState before) =>
        Eventually.TrueAsync(() => WithDbAsync(db => db.Set<InboxState>().AsNoTracking()
                .AnyAsync(i => i.Id == before.Id && i.ReceiveCount > before.ReceiveCount)),
            $"message {before.MessageId} to be received again", explain: Explain);

    public string Explain() => string.Join("\n", App.Logs.Entries.Select(e => $"{e.Level} {e.Category}: {e.Message}"));

    public async Task DisposeAsync()
    {
        await StopMoreAsync();
        if (_channel is not null) await _channel.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
        if (App is not null) await App.DisposeAsync();
        if (Smtp is not null) await Smtp.DisposeAsync();
        await Twilio.DisposeAsync();
        await Pager.DisposeAsync();
        if (_virtualHost is not null) await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }
}
