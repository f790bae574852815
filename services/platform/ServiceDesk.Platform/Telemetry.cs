using System.Diagnostics;

namespace ServiceDesk.Platform;

/// <summary>The one activity source for ServiceDesk's own spans, and the domain attribute names.</summary>
public static class Telemetry
{
    public const string SourceName = "ServiceDesk";
    public static readonly ActivitySource Source = new(SourceName);

    public const string TicketId = "servicedesk.ticket.id";
    public const string ClientId = "servicedesk.client.id";
    public const string Priority = "servicedesk.priority";
    public const string Channel = "servicedesk.channel";

    /// <summary>Tags the current span (the endpoint's or the consumer's) with the ticket it works on.</summary>
    public static void TagTicket(Guid ticketId, Guid clientId, string? priority = null)
    {
        var activity = Activity.Current;
        if (activity is null) return;
        activity.SetTag(TicketId, ticketId);
        activity.SetTag(ClientId, clientId);
        if (priority is not null) activity.SetTag(Priority, priority);
    }
}
