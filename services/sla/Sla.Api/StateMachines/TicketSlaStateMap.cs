using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using ServiceDesk.Platform.Outbox;
using Sla.Api.Domain;

namespace Sla.Api.StateMachines;

/// <summary>
/// Maps <see cref="TicketSlaState"/> on the platform's saga repository (key CorrelationId, concurrency on xmin), with
/// the ledger as one jsonb array: it is read and written whole with the saga, never queried row by row, and a jsonb
/// array keeps the entries' own shapes (a start carries its targets, an escalation its step).
/// </summary>
public static class TicketSlaStateMap
{
    public const string Table = "ticket_sla";

    public static EntityTypeBuilder<TicketSlaState> MapTicketSla(this ModelBuilder modelBuilder)
    {
        var saga = modelBuilder.AddSagaState<TicketSlaState>(Table);
        saga.Property(x => x.CurrentState).HasMaxLength(64);
        saga.Property(x => x.Tier).HasMaxLength(64);
        saga.Property(x => x.Priority).HasMaxLength(2);
        saga.Property(x => x.Clock).HasMaxLength(16);
        saga.Property(x => x.ContactEmail).HasMaxLength(254).HasDefaultValue("");
        saga.Property(x => x.Ledger).HasColumnType("jsonb").HasConversion(LedgerJson.Converter, LedgerJson.Comparer);
        saga.Property(x => x.Held).HasColumnType("jsonb").HasConversion(HeldJson.Converter, HeldJson.Comparer);
        saga.HasIndex(x => x.ClientId);
        return saga;
    }
}

/// <summary>The held events' JSON: usually an empty array; a few entries while a ticket's events arrive out of order.</summary>
public static class HeldJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static readonly ValueConverter<ImmutableList<HeldEvent>, string> Converter = new(
        held => JsonSerializer.Serialize<IReadOnlyList<HeldEvent>>(held, Options),
        json => JsonSerializer.Deserialize<ImmutableList<HeldEvent>>(json, Options) ?? ImmutableList<HeldEvent>.Empty);

    /// <summary>Like the ledger: replaced, never changed in place.</summary>
    public static readonly ValueComparer<ImmutableList<HeldEvent>> Comparer = new(
        (a, b) => ReferenceEquals(a, b), held => held.Count, held => held);
}

/// <summary>The ledger's JSON: each entry tagged with its type, so replay gets back exactly the records written.</summary>
public static class LedgerJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        // jsonb stores keys in its own order, so the type tag is not necessarily first when read back.
        AllowOutOfOrderMetadataProperties = true,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { TagEntryTypes } },
    };

    public static readonly ValueConverter<ImmutableList<ClockEntry>, string> Converter = new(
        ledger => JsonSerializer.Serialize<IReadOnlyList<ClockEntry>>(ledger, Options),
        json => JsonSerializer.Deserialize<ImmutableList<ClockEntry>>(json, Options) ?? ImmutableList<ClockEntry>.Empty);

    /// <summary>The ledger is immutable and replaced on every change, so a new list is a change and the same one is not.</summary>
    public static readonly ValueComparer<ImmutableList<ClockEntry>> Comparer = new(
        (a, b) => ReferenceEquals(a, b), ledger => ledger.Count, ledger => ledger);

    private static void TagEntryTypes(JsonTypeInfo info)
    {
        if (info.Type != typeof(ClockEntry)) return;
        info.PolymorphismOptions = new JsonPolymorphismOptions
        {
            TypeDiscriminatorPropertyName = "$type",
            DerivedTypes =
            {
                new JsonDerivedType(typeof(ClockStarted), "started"),
                new JsonDerivedType(typeof(ClockPaused), "paused"),
                new JsonDerivedType(typeof(ClockResumed), "resumed"),
                new JsonDerivedType(typeof(TargetMet), "met"),
                new JsonDerivedType(typeof(EscalationReached), "escalation"),
                new JsonDerivedType(typeof(TargetsRecalculated), "recalculated"),
                new JsonDerivedType(typeof(DeliveryFailed), "delivery-failed"),
            },
        };
    }
}
