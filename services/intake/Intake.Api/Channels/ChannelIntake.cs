using Intake.Api.Data;
using Intake.Api.Domain;
using Intake.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Intake.Api.Channels;

/// <summary>Who sent a request, as the channel saw them. At least one of email and phone.</summary>
public sealed record Sender(string? Email, string? Phone, string? Name);

public sealed record InboundAttachment(string FileName, string ContentType, string? ContentId, byte[] Content);

/// <summary>What any channel hands to intake: the channel contract's input side (README "Add a channel").</summary>
public sealed record InboundRequest
{
    public required string Channel { get; init; }

    /// <summary>The channel's id for the delivery; the same id twice is one request.</summary>
    public string? ExternalId { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }
    public required Sender Sender { get; init; }

    /// <summary>Set when the channel itself knows the client (a signed-in user, staff entry); else the directory decides.</summary>
    public Guid? ClientId { get; init; }

    /// <summary>
    /// Set when the channel knows who is speaking (a signed-in contact, docs/adr/0025), as it found them in the
    /// directory: that contact of <see cref="ClientId"/>, never whoever else shares the address.
    /// </summary>
    public Contact? Speaker { get; init; }

    /// <summary>A channel that serves only some clients: the directory decides among these alone.</summary>
    public IReadOnlyCollection<Guid>? ServedClients { get; init; }

    public required string Subject { get; init; }
    public required string Text { get; init; }
    public string? Html { get; init; }
    public string? PriorityHint { get; init; }

    /// <summary>
    /// How the requester declared an emergency at the door (the portal's emergency choice after confirming the
    /// after-hours terms, the emergency phone line, an emergency email address); null when they did not. A declared
    /// emergency opens as a P1 candidate; the client's tier decides whether anyone is woken (docs/adr/0037).
    /// </summary>
    public string? EmergencyDeclared { get; init; }

    public Guid? RawPayloadId { get; init; }
    public ThreadHints? Thread { get; init; }
    public string? EnteredBy { get; init; }
    public IReadOnlyList<InboundAttachment> Attachments { get; init; } = [];

    /// <summary>Web: see <see cref="ServiceRequest.Fingerprint"/>.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>
    /// Set when the channel already knows that only a person can place it (a caller who withheld their number): it
    /// goes to triage with this reason, without a directory lookup that could only fail less clearly.
    /// </summary>
    public string? TriageReason { get; init; }
}

public enum IntakeResult
{
    Accepted,
    Duplicate,
    Triaged,
    /// <summary>The channel named a client that does not exist: the caller's mistake, nothing stored.</summary>
    Refused,
}

/// <param name="Id">The request (Accepted, Duplicate of a request) or the triage item (Triaged, Duplicate of one).</param>
public sealed record IntakeOutcome(IntakeResult Result, Guid Id, string? Reason = null, string? Fingerprint = null);

/// <summary>
/// The one way a request enters the system, whatever the channel: de-duplicates on the channel's id, finds the
/// sender's client in the directory (or parks the request in triage), and stores the request with its
/// ServiceRequestReceived in one commit (the bus outbox), so what is acknowledged is durable and will be published.
/// </summary>
public sealed class ChannelIntake(IntakeDbContext db, IPublishEndpoint bus)
{
    /// <param name="fromTriage">Staff assigning a triage item: the item itself is not a duplicate of it.</param>
    public async Task<IntakeOutcome> AcceptAsync(InboundRequest inbound, CancellationToken cancellationToken, bool fromTriage = false)
    {
        // The caller's transaction (email, phone, triage keep their raw payload or item in it), or one of its own: the
        // directory reads and the write are one unit of work, not one transaction per statement.
        if (db.Database.CurrentTransaction is not null) return await AcceptInTransactionAsync(inbound, fromTriage, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var outcome = await AcceptInTransactionAsync(inbound, fromTriage, cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        return outcome;
    }

    private async Task<IntakeOutcome> AcceptInTransactionAsync(InboundRequest inbound, bool fromTriage, CancellationToken cancellationToken)
    {
        if (await EarlierAsync(inbound, !fromTriage, cancellationToken) is { } earlier) return earlier;
        if (inbound.TriageReason is { } reason && !fromTriage) return await TriageAsync(inbound, reason, cancellationToken);

        var (client, contact, problem) = await ResolveAsync(inbound, cancellationToken);
        if (inbound.ClientId is not null && problem is not null) return new IntakeOutcome(IntakeResult.Refused, Guid.Empty, problem);
        var email = inbound.Sender.Email ?? contact?.Emails.FirstOrDefault();
        if (problem is null && email is null) problem = "The contact has no email address to answer to.";
        if (problem is not null) return await TriageAsync(inbound, problem, cancellationToken);

        var request = new ServiceRequest
        {
            Id = Guid.CreateVersion7(inbound.ReceivedAt),
            Channel = inbound.Channel,
            ReceivedAt = inbound.ReceivedAt,
            ClientId = client!.Value,
            ContactId = contact?.Id,
            ContactEmail = email!,
            ContactName = inbound.Sender.Name ?? contact?.Name,
            ContactPhone = inbound.Sender.Phone,
            Subject = Fit(inbound.Subject, RequestLimits.Subject),
            Description = Fit(inbound.Text, RequestLimits.Description),
            DescriptionHtml = inbound.Html is null ? null : Fit(inbound.Html, RequestLimits.Html),
            PriorityHint = inbound.PriorityHint,
            EmergencyDeclared = inbound.EmergencyDeclared,
            ExternalId = inbound.ExternalId,
            Fingerprint = inbound.Fingerprint,
            RawPayloadId = inbound.RawPayloadId,
            EnteredBy = inbound.EnteredBy,
            ThreadTicketId = inbound.Thread?.TicketId,
            ThreadTicketNumber = inbound.Thread?.TicketNumber,
            InReplyTo = inbound.Thread?.InReplyTo,
            References = [.. inbound.Thread?.References ?? []],
            // A request with thread hints, or a text (which may answer our last text to its number: tickets decides,
            // docs/adr/0047), may join an existing ticket and start no clock, so it is not counted as waiting for one.
            AwaitingClock = inbound.Thread is null && inbound.Channel != "sms",
        };
        var attachments = Store(inbound, request.Id, request.ClientId);
        Telemetry.TagTicket(request.Id, request.ClientId);
        System.Diagnostics.Activity.Current?.SetTag(Telemetry.Channel, request.Channel);

        db.Requests.Add(request);
        db.Attachments.AddRange(attachments);
        await bus.Publish(ToEvent(request, attachments), cancellationToken);
        return await SaveAsync(inbound, !fromTriage, cancellationToken)
            ?? new IntakeOutcome(IntakeResult.Accepted, request.Id, Fingerprint: request.Fingerprint);
    }

    public static ServiceRequestReceived ToEvent(ServiceRequest request, IEnumerable<StoredAttachment> attachments) =>
        new(request.Id, request.Channel, request.ReceivedAt, request.ClientId, request.ContactEmail, request.ContactName,
            request.Subject, request.Description, request.PriorityHint, request.ExternalId)
        {
            Version = ServiceRequestReceived.CurrentVersion,
            ContactId = request.ContactId,
            ContactPhone = request.ContactPhone,
            DescriptionHtml = request.DescriptionHtml,
            Attachments = [.. attachments.Select(a => new AttachmentReference(a.Id, a.FileName, a.ContentType, a.Size))],
            RawPayloadId = request.RawPayloadId,
            EnteredBy = request.EnteredBy,
            EmergencyDeclared = request.EmergencyDeclared,
            Thread = request.ThreadTicketId is null && request.ThreadTicketNumber is null && request.InReplyTo is null && request.References.Length == 0
                ? null
                : new ThreadHints(request.ThreadTicketId, request.ThreadTicketNumber, request.InReplyTo, request.References),
        };

    private async Task<IntakeOutcome?> EarlierAsync(InboundRequest inbound, bool includeTriage, CancellationToken cancellationToken)
    {
        if (inbound.ExternalId is null) return null;
        var request = await db.Requests.IgnoreQueryFilters().AsNoTracking()
            .Where(r => r.Channel == inbound.Channel && r.ExternalId == inbound.ExternalId)
            .Select(r => new { r.Id, r.Fingerprint }).SingleOrDefaultAsync(cancellationToken);
        if (request is not null) return new IntakeOutcome(IntakeResult.Duplicate, request.Id, Fingerprint: request.Fingerprint);
        if (!includeTriage) return null;
        var triaged = await db.Triage.AsNoTracking()
            .Where(t => t.Channel == inbound.Channel && t.ExternalId == inbound.ExternalId)
            .Select(t => (Guid?)t.Id).SingleOrDefaultAsync(cancellationToken);
        return triaged is null ? null : new IntakeOutcome(IntakeResult.Duplicate, triaged.Value, "Already waiting in triage.");
    }

    /// <summary>The client and contact: given by the channel, or found by the sender's email, then phone.</summary>
    private async Task<(Guid? Client, Contact? Contact, string? Problem)> ResolveAsync(InboundRequest inbound, CancellationToken cancellationToken)
    {
        // The signed-in contact, as the channel found it: a contact of the client, so the client is known too (contacts
        // come only with their client, ClientChanged). No look-up again.
        if (inbound.ClientId is { } given && inbound.Speaker is { } known && known.ClientId == given) return (given, known, null);

        var email = inbound.Sender.Email?.Trim().ToLowerInvariant();
        var phone = inbound.Sender.Phone;
        var contacts = email is null && phone is null
            ? []
            : await db.Contacts.IgnoreQueryFilters().AsNoTracking()
                .Where(c => (inbound.ClientId == null || c.ClientId == inbound.ClientId)
                    && ((email != null && c.Emails.Contains(email)) || (phone != null && c.Phones.Contains(phone))))
                .ToListAsync(cancellationToken);

        if (inbound.ClientId is { } client)
        {
            if (!await db.Clients.IgnoreQueryFilters().AnyAsync(c => c.Id == client, cancellationToken)) return (null, null, "Unknown client.");
            return (client, contacts.FirstOrDefault(), null);
        }
        var clients = contacts.Select(c => c.ClientId).Distinct().ToList();
        if (inbound.ServedClients is { } served && clients.Count > 0 && !clients.Any(served.Contains))
            return (null, null, $"Sender {email ?? phone} is a contact only of clients channel '{inbound.Channel}' does not serve.");
        if (inbound.ServedClients is not null)
        {
            clients = [.. clients.Where(inbound.ServedClients.Contains)];
            contacts = [.. contacts.Where(c => inbound.ServedClients.Contains(c.ClientId))];
        }
        if (clients.Count == 0) return (null, null, $"Unknown sender {email ?? phone ?? "(none)"}: no contact has this address or number.");
        if (clients.Count > 1) return (null, null, $"Ambiguous sender {email ?? phone}: contacts at {clients.Count} clients have it.");
        var active = await db.Clients.IgnoreQueryFilters().AnyAsync(c => c.Id == clients[0] && c.Active, cancellationToken);
        return active ? (clients[0], contacts[0], null) : (null, null, "The sender's client is inactive.");
    }

    private async Task<IntakeOutcome> TriageAsync(InboundRequest inbound, string reason, CancellationToken cancellationToken)
    {
        var item = new TriageItem
        {
            Id = Guid.CreateVersion7(inbound.ReceivedAt),
            Channel = inbound.Channel,
            ExternalId = inbound.ExternalId,
            ReceivedAt = inbound.ReceivedAt,
            SenderEmail = inbound.Sender.Email,
            SenderPhone = inbound.Sender.Phone,
            SenderName = inbound.Sender.Name,
            Subject = Fit(inbound.Subject, RequestLimits.Subject),
            Description = Fit(inbound.Text, RequestLimits.Description),
            RawPayloadId = inbound.RawPayloadId,
            Reason = reason,
            DescriptionHtml = inbound.Html is null ? null : Fit(inbound.Html, RequestLimits.Html),
            PriorityHint = inbound.PriorityHint,
            EmergencyDeclared = inbound.EmergencyDeclared,
            ThreadTicketId = inbound.Thread?.TicketId,
            ThreadTicketNumber = inbound.Thread?.TicketNumber,
            InReplyTo = inbound.Thread?.InReplyTo,
            References = [.. inbound.Thread?.References ?? []],
        };
        db.Triage.Add(item);
        db.Attachments.AddRange(Store(inbound, ownerId: item.Id, clientId: Guid.Empty));
        return await SaveAsync(inbound, includeTriage: true, cancellationToken) ?? new IntakeOutcome(IntakeResult.Triaged, item.Id, reason);
    }

    /// <summary>
    /// Saves what was added; null when it was stored. When the same delivery raced in twice, the other copy was stored
    /// (with its message), this one is dropped whole, and the earlier outcome is returned.
    /// </summary>
    private async Task<IntakeOutcome?> SaveAsync(InboundRequest inbound, bool includeTriage, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation() && inbound.ExternalId is not null)
        {
            // Inside a transaction EF Core rolled back to the savepoint it took before saving: the transaction goes on.
            db.ChangeTracker.Clear();
            return (await EarlierAsync(inbound, includeTriage, cancellationToken))!;
        }
    }

    private static List<StoredAttachment> Store(InboundRequest inbound, Guid ownerId, Guid clientId) =>
        [.. inbound.Attachments.Select(a => new StoredAttachment
        {
            Id = Guid.CreateVersion7(inbound.ReceivedAt), RequestId = ownerId, ClientId = clientId,
            FileName = a.FileName, ContentType = a.ContentType, ContentId = a.ContentId, Size = a.Content.LongLength, Content = a.Content,
        })];

    /// <summary>Channels cannot be asked to resend shorter: keep what fits and say so (the raw payload keeps all).</summary>
    private static string Fit(string value, int max) => value.Length <= max ? value : string.Concat(value.AsSpan(0, max - 20), "\n[… truncated]");
}
