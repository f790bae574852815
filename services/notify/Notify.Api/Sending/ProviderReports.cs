using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;
using Notify.Api.Domain;

namespace Notify.Api.Sending;

/// <summary>What a provider's status callback means for a delivery (Twilio's message and call statuses).</summary>
public static class ProviderReports
{
    /// <summary>The statuses that end a delivery; the rest (queued, sent, ringing, in-progress ...) change nothing.</summary>
    public static string? StateOf(string status) => status switch
    {
        "delivered" or "read" => DeliveryState.Delivered,
        "completed" => DeliveryState.Answered,
        "undelivered" or "failed" or "busy" or "no-answer" or "canceled" => DeliveryState.Failed,
        _ => null,
    };

    /// <summary>
    /// Moves a delivery the provider accepted to the state its callback reports; only forward (a final state stays).
    /// A failure of a client-facing message is published (<see cref="Deliveries.FailedAsync"/>). True when it changed.
    /// </summary>
    public static async Task<bool> ApplyAsync(Delivery delivery, IReadOnlyDictionary<string, StringValues> form, DateTimeOffset now, IPublishEndpoint publish)
    {
        var status = First(form, "MessageStatus") ?? First(form, "CallStatus");
        if (delivery.SentAt is null || DeliveryState.IsFinal(delivery.State) || status is null || StateOf(status) is not { } state) return false;
        delivery.State = state;
        delivery.UpdatedAt = now;
        if (state == DeliveryState.Failed)
        {
            delivery.FailedAt = now;
            delivery.LastError = $"Twilio {status}" + (First(form, "ErrorCode") is { } code ? $" (error {code})" : "");
            await Deliveries.FailedAsync(publish, delivery);
        }
        else delivery.DeliveredAt = now;
        return true;
    }

    /// <summary>
    /// Serialises, per provider id, a status callback with the attempt that stores the send it reports on, until the
    /// caller's transaction ends (docs/adr/0047). Without it a callback could look for the row before the attempt
    /// committed it, and the attempt look for early callbacks before the callback committed its report: neither would
    /// see the other and the report would be lost. With it, whoever comes second sees what the first committed.
    /// </summary>
    public static Task LockAsync(DbContext db, string providerId, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"twilio:" + providerId}, 0))", cancellationToken);

    public static string? Sid(IReadOnlyDictionary<string, StringValues> form) => First(form, "MessageSid") ?? First(form, "CallSid");

    public static string? Status(IReadOnlyDictionary<string, StringValues> form) => First(form, "MessageStatus") ?? First(form, "CallStatus");

    /// <summary>Form pairs with case-sensitive keys, as Twilio signs them (ASP.NET Core's form collection would merge keys).</summary>
    public static Dictionary<string, StringValues> FormPairs(string encoded)
    {
        var pairs = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        foreach (var part in encoded.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? part : part[..equals]);
            var value = equals < 0 ? "" : Decode(part[(equals + 1)..]);
            pairs[name] = pairs.TryGetValue(name, out var earlier) ? StringValues.Concat(earlier, value) : new StringValues(value);
        }
        return pairs;
        static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
    }

    private static string? First(IReadOnlyDictionary<string, StringValues> form, string key) =>
        form.TryGetValue(key, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;
}
