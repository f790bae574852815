using MassTransit;
using MassTransit.Metadata;
using MassTransit.Middleware;
using MassTransit.Serialization;
using MassTransit.Context;
using Microsoft.EntityFrameworkCore;

namespace ServiceDesk.Platform.Outbox;

// The same entity shapes, table and column names as MassTransit.EntityFrameworkCore's transactional outbox, so that
// switching to the official package later needs no migration (ADR 0010).

/// <summary>One message a consumer received: its id, the consumer, and how far its processing got.</summary>
public sealed class InboxState
{
    public long Id { get; set; }
    public Guid MessageId { get; set; }
    public Guid ConsumerId { get; set; }
    public Guid LockId { get; set; }
    public byte[]? RowVersion { get; set; }
    public DateTime Received { get; set; }
    public int ReceiveCount { get; set; }
    public DateTime? ExpirationTime { get; set; }
    public DateTime? Consumed { get; set; }
    public DateTime? Delivered { get; set; }
    public long? LastSequenceNumber { get; set; }
}

/// <summary>The messages one HTTP request (one DI scope) published, delivered together and in order.</summary>
public sealed class OutboxState
{
    public Guid OutboxId { get; set; }
    public Guid LockId { get; set; }
    public byte[]? RowVersion { get; set; }
    public DateTime Created { get; set; }
    public DateTime? Delivered { get; set; }
    public long? LastSequenceNumber { get; set; }
}

/// <summary>A serialized message waiting to reach the broker, with its headers (and so its trace parent).</summary>
public sealed class OutboxMessage : OutboxMessageContext
{
    private Headers? _headers;
    private IReadOnlyDictionary<string, object>? _properties;

    public long SequenceNumber { get; set; }
    public DateTime? EnqueueTime { get; set; }
    public DateTime SentTime { get; set; }
    public string? Headers { get; set; }
    public string? Properties { get; set; }
    public Guid? InboxMessageId { get; set; }
    public Guid? InboxConsumerId { get; set; }
    public Guid? OutboxId { get; set; }
    public Guid MessageId { get; set; }
    public string ContentType { get; set; } = null!;
    public string MessageType { get; set; } = null!;
    public string Body { get; set; } = null!;
    public Guid? ConversationId { get; set; }
    public Guid? CorrelationId { get; set; }
    public Guid? InitiatorId { get; set; }
    public Guid? RequestId { get; set; }
    public Uri? SourceAddress { get; set; }
    public Uri? DestinationAddress { get; set; }
    public Uri? ResponseAddress { get; set; }
    public Uri? FaultAddress { get; set; }
    public DateTime? ExpirationTime { get; set; }

    Guid? MessageContext.MessageId => MessageId;
    DateTime? MessageContext.SentTime => SentTime;
    Headers MessageContext.Headers => _headers ?? EmptyHeaders.Instance;
    HostInfo MessageContext.Host => HostMetadataCache.Host;
    IReadOnlyDictionary<string, object> OutboxMessageContext.Properties => _properties ?? new Dictionary<string, object>();

    /// <summary>Restores headers and transport properties before the message is sent again.</summary>
    public void Deserialize(IObjectDeserializer deserializer)
    {
        var headers = deserializer.DeserializeDictionary<object?>(Headers);
        _headers = headers is null ? EmptyHeaders.Instance : new DictionarySendHeaders(headers);
        _properties = deserializer.DeserializeDictionary<object>(Properties) ?? new Dictionary<string, object>();
    }

    /// <summary>Captures a message that is being published or sent, as MassTransit's send pipeline prepared it.</summary>
    public static OutboxMessage From<T>(SendContext<T> context, Guid? inboxMessageId, Guid? inboxConsumerId, Guid? outboxId)
        where T : class
    {
        var now = DateTime.UtcNow;
        var message = new OutboxMessage
        {
            MessageId = context.MessageId ?? throw new MessageException(typeof(T), "An outbox message needs a MessageId."),
            ConversationId = context.ConversationId,
            CorrelationId = context.CorrelationId,
            InitiatorId = context.InitiatorId,
            RequestId = context.RequestId,
            SourceAddress = context.SourceAddress,
            DestinationAddress = context.DestinationAddress,
            ResponseAddress = context.ResponseAddress,
            FaultAddress = context.FaultAddress,
            SentTime = context.SentTime ?? now,
            ContentType = context.ContentType?.ToString() ?? context.Serialization.DefaultContentType.ToString(),
            MessageType = string.Join(";", context.SupportedMessageTypes),
            Body = context.Serializer.GetMessageBody(context).GetString(),
            ExpirationTime = now + context.TimeToLive,
            EnqueueTime = now + context.Delay,
            InboxMessageId = inboxMessageId,
            InboxConsumerId = inboxConsumerId,
            OutboxId = outboxId,
            Headers = SystemTextJsonMessageSerializer.Instance.SerializeDictionary(context.Headers.GetAll()),
        };
        if (context is TransportSendContext<T> transport)
        {
            var properties = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
            transport.WritePropertiesTo(properties);
            message.Properties = SystemTextJsonMessageSerializer.Instance.SerializeDictionary(properties);
        }
        return message;
    }
}

/// <summary>A timer a saga scheduled: the message to send when it falls due, or a tombstone once cancelled.</summary>
public sealed class ScheduledTimer
{
    public Guid TokenId { get; set; }
    public ScheduledTimerState State { get; set; }
    public DateTime DueAt { get; set; }
    public DateTime Created { get; set; }
    public DateTime? Fired { get; set; }
    public Guid? MessageId { get; set; }
    public Uri? DestinationAddress { get; set; }
    public string? ContentType { get; set; }
    public string? MessageType { get; set; }
    public string? Body { get; set; }
    public string? Headers { get; set; }
}

public enum ScheduledTimerState
{
    Pending = 0,
    Fired = 1,
    Cancelled = 2,
}

public static class OutboxModel
{
    /// <summary>
    /// Inbox, outbox and scheduler tables for a service's DbContext. Call from OnModelCreating, then add a migration.
    /// </summary>
    public static ModelBuilder AddReliableMessagingEntities(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<InboxState>(inbox =>
        {
            inbox.HasKey(p => p.Id);
            inbox.HasAlternateKey(p => new { p.MessageId, p.ConsumerId });
            inbox.HasIndex(p => p.Delivered);
        });
        modelBuilder.Entity<OutboxState>(outbox =>
        {
            outbox.HasKey(p => p.OutboxId);
            outbox.HasIndex(p => p.Created);
        });
        modelBuilder.Entity<OutboxMessage>(message =>
        {
            message.HasKey(p => p.SequenceNumber);
            message.Property(p => p.SourceAddress).HasMaxLength(256);
            message.Property(p => p.DestinationAddress).HasMaxLength(256);
            message.Property(p => p.ResponseAddress).HasMaxLength(256);
            message.Property(p => p.FaultAddress).HasMaxLength(256);
            message.Property(p => p.ContentType).HasMaxLength(256);
            message.HasIndex(p => p.ExpirationTime);
            message.HasIndex(p => p.EnqueueTime);
            message.HasIndex(p => new { p.InboxMessageId, p.InboxConsumerId, p.SequenceNumber }).IsUnique();
            message.HasIndex(p => new { p.OutboxId, p.SequenceNumber }).IsUnique();
            message.HasOne<InboxState>().WithMany().IsRequired(false)
                .HasForeignKey(p => new { p.InboxMessageId, p.InboxConsumerId })
                .HasPrincipalKey(p => new { p.MessageId, p.ConsumerId });
            message.HasOne<OutboxState>().WithMany().IsRequired(false).HasForeignKey(p => p.OutboxId);
        });
        modelBuilder.Entity<ScheduledTimer>(timer =>
        {
            timer.HasKey(p => p.TokenId);
            timer.Property(p => p.DestinationAddress).HasMaxLength(256);
            timer.Property(p => p.ContentType).HasMaxLength(256);
            // The firing query reads only pending timers, earliest first.
            timer.HasIndex(p => p.DueAt).HasFilter($"\"{nameof(ScheduledTimer.State)}\" = {(int)ScheduledTimerState.Pending}");
        });
        return modelBuilder;
    }
}
