using System.Security.Cryptography;
using System.Text;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Notify.Api.Channels;
using Notify.Api.Data;
using Notify.Api.Domain;
using Notify.Api.Email;
using Notify.Api.Sending;
using Notify.Contracts;
using Notify.Api.Templates;
using ServiceDesk.Platform;

namespace Notify.Api.Endpoints;

public static class NotifyEndpoints
{
    public const int MaxCallbackBytes = 64 * 1024;
    public const int MaxBounceBytes = 1024 * 1024;

    public const string PageRepliesPath = "/api/notify/page-replies";

    /// <summary>How long a page can be acknowledged by a reply: as long as its one-tap link (docs/adr/0041).</summary>
    public static readonly TimeSpan PageReplyWindow = TimeSpan.FromHours(24);

    public static IEndpointRouteBuilder MapNotifyEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/notify/tickets/{id:guid}/deliveries", Deliveries)
            .RequireAuthorization(Policies.Staff);
        app.MapGet("/api/notify/templates/{name}/preview", Preview)
            .RequireAuthorization(policy => policy.RequireRole(Roles.Admin))
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem();
        var preferences = app.MapGroup("/api/notify/contacts/{contactId:guid}/preferences").RequireAuthorization(Policies.ClientsAndStaff);
        preferences.MapGet("", GetPreference).ProducesProblem(StatusCodes.Status404NotFound);
        preferences.MapPut("", PutPreference).ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem();
        var client = app.MapGroup("/api/notify/clients/{clientId:guid}/preferences").RequireAuthorization(Policies.ClientsAndStaff);
        client.MapGet("", GetClientPreference).ProducesProblem(StatusCodes.Status404NotFound);
        client.MapPut("", PutClientPreference).ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem();
        app.MapPost(TwilioOptions.StatusPath, TwilioStatus)
            .AllowAnonymous()
            .WithMetadata(new SignatureVerifiedAttribute()) // Twilio's X-Twilio-Signature, checked here
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        app.MapPost(PageRepliesPath + "/{channel:regex(^[a-z0-9-]{{1,40}}$)}", PageReply)
            .AllowAnonymous()
            .WithMetadata(new SignatureVerifiedAttribute()) // the channel's X-ServiceDesk-Signature (Channels:{channel}:Secret), checked here
            .Produces(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem();
        app.MapPost("/api/notify/bounces", Bounce)
            .AllowAnonymous()
            .WithMetadata(new SignatureVerifiedAttribute()) // the MTA's bearer token (Notify:BounceToken), checked here
            .Produces(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    /// <summary>A ticket's delivery ledger, oldest first: every message, to whom, on which channel, and what became of it.</summary>
    private static async Task<IResult> Deliveries(Guid id, NotifyDbContext db, Tenant tenant, CancellationToken cancellationToken)
    {
        var rows = await db.Deliveries.AsNoTracking()
            // Staff only (the policy), and still scoped here: a caller limited to one client never reads another's rows.
            .Where(d => d.TicketId == id && (tenant.ClientId == null || d.ClientId == tenant.ClientId))
            .OrderBy(d => d.CreatedAt)
            .Select(d => new
            {
                d.Id, d.Kind, d.Channel, d.Recipient, d.MessageId, d.Subject, d.State, d.Provider, d.ProviderId, d.Attempts, d.LastError,
                d.CreatedAt, d.SentAt, d.DeliveredAt, d.FailedAt, d.NextAttemptAt,
            })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new { TicketId = id, Deliveries = rows });
    }

    /// <summary>A contact's channels per kind of message; a kind left out (null) gets the default.</summary>
    /// <param name="Channels">Acknowledgements: email, sms, voice (the name from when they were the only kind).</param>
    /// <param name="Replies">Public replies: email, sms.</param>
    /// <param name="Resolutions">Resolution notices: email, sms.</param>
    /// <param name="Language">The language they read (ISO 639-1: en, de); null = their client's.</param>
    /// <param name="TimeZone">The IANA zone times are written in for them; null = the client's calendar's.</param>
    public sealed record PreferenceBody(string[]? Channels, string[]? Replies = null, string[]? Resolutions = null, string? Language = null,
        string? TimeZone = null);

    private static object PreferenceView(Guid contactId, ContactPreference? preference) => new
    {
        ContactId = contactId, Channels = preference?.Channels, Replies = preference?.Replies, Resolutions = preference?.Resolutions,
        preference?.Language, preference?.TimeZone, preference?.UpdatedAt, preference?.UpdatedBy,
    };

    /// <summary>The channels a contact allows per kind; null for a kind = the default (email, plus SMS for a request by text or phone).</summary>
    private static async Task<IResult> GetPreference(Guid contactId, NotifyDbContext db, Tenant tenant, CancellationToken cancellationToken)
    {
        if (await ClientOfAsync(db, tenant, contactId, cancellationToken) is null) return UnknownContact();
        var preference = await db.Preferences.AsNoTracking().SingleOrDefaultAsync(p => p.ContactId == contactId, cancellationToken);
        return TypedResults.Ok(PreferenceView(contactId, preference));
    }

    /// <summary>
    /// Sets the channels a contact allows, per kind (acknowledgements: email, sms, voice; replies and resolutions: email,
    /// sms; each list given has at least one; at least one list). The body replaces the whole preference: a kind left out
    /// goes back to the default. Staff for any contact, a client's users for their own client's contacts; the contact
    /// must be in notify's copy of the client directory.
    /// </summary>
    private static async Task<IResult> PutPreference(Guid contactId, PreferenceBody body, NotifyDbContext db, Tenant tenant, HttpContext http,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var acknowledgements = PreferenceChecks.Channels(errors, "channels", body.Channels, ContactPreference.Allowed[MessageKind.Acknowledgement]);
        var replies = PreferenceChecks.Channels(errors, "replies", body.Replies, ContactPreference.Allowed[MessageKind.Reply]);
        var resolutions = PreferenceChecks.Channels(errors, "resolutions", body.Resolutions, ContactPreference.Allowed[MessageKind.Resolution]);
        var language = body.Language?.Trim().ToLowerInvariant();
        if (language is not null && !Wording.All.ContainsKey(language)) errors["language"] = [LanguageProblem(language)];
        var timeZone = PreferenceChecks.TimeZone(errors, "timeZone", body.TimeZone);
        if (errors.Count == 0 && acknowledgements is null && replies is null && resolutions is null && language is null && timeZone is null)
            errors["channels"] = ["Give channels (acknowledgements), replies, resolutions, language or timeZone."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (await ClientOfAsync(db, tenant, contactId, cancellationToken) is not { } clientId) return UnknownContact();
        var preference = await db.Preferences.AsTracking().SingleOrDefaultAsync(p => p.ContactId == contactId, cancellationToken);
        if (preference is null)
            db.Preferences.Add(preference = new ContactPreference { ContactId = contactId, UpdatedBy = "" });
        preference.ClientId = clientId;
        (preference.Channels, preference.Replies, preference.Resolutions) = (acknowledgements, replies, resolutions);
        (preference.Language, preference.TimeZone) = (language, timeZone);
        preference.UpdatedAt = clock.GetUtcNow();
        preference.UpdatedBy = http.User.FindFirst("sub")?.Value ?? "unknown";
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(PreferenceView(contactId, preference));
    }

    /// <param name="Language">The language the client's contacts read unless they chose their own (en, de); null = English.</param>
    public sealed record ClientPreferenceBody(string? Language);

    /// <summary>A client's default language for its contacts' messages.</summary>
    private static async Task<IResult> GetClientPreference(Guid clientId, NotifyDbContext db, Tenant tenant, CancellationToken cancellationToken) =>
        await db.Directory.AsNoTracking().Where(c => c.ClientId == clientId && (tenant.ClientId == null || c.ClientId == tenant.ClientId))
            .Select(c => new { c.ClientId, c.Language }).SingleOrDefaultAsync(cancellationToken) is { } found
            ? TypedResults.Ok(found)
            : UnknownClient();

    /// <summary>Sets a client's default language (null: English). Staff for any client, a client's users for their own.</summary>
    private static async Task<IResult> PutClientPreference(Guid clientId, ClientPreferenceBody body, NotifyDbContext db, Tenant tenant,
        CancellationToken cancellationToken)
    {
        var language = body.Language?.Trim().ToLowerInvariant();
        if (language is not null && !Wording.All.ContainsKey(language))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["language"] = [LanguageProblem(language)] });
        var updated = await db.Directory.Where(c => c.ClientId == clientId && (tenant.ClientId == null || c.ClientId == tenant.ClientId))
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.Language, language), cancellationToken);
        return updated == 0 ? UnknownClient() : TypedResults.Ok(new { ClientId = clientId, Language = language });
    }

    private static IResult UnknownClient() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such client (or not yet in notify's copy of the client directory).");

    /// <summary>The contact's client, when the caller may see it (staff: any; a client's user: their own client's contacts).</summary>
    private static async Task<Guid?> ClientOfAsync(NotifyDbContext db, Tenant tenant, Guid contactId, CancellationToken cancellationToken)
    {
        // jsonb containment: the client whose contacts include this id (one row per client, contacts as a jsonb array).
        var probe = System.Text.Json.JsonSerializer.Serialize(new[] { new { contactId } }, System.Text.Json.JsonSerializerOptions.Web);
        return await db.Directory.FromSql($"SELECT * FROM directory_clients WHERE \"Contacts\" @> {probe}::jsonb").AsNoTracking()
            .Where(c => tenant.ClientId == null || c.ClientId == tenant.ClientId)
            .Select(c => (Guid?)c.ClientId).FirstOrDefaultAsync(cancellationToken);
    }

    private static IResult UnknownContact() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such contact (or not yet in notify's copy of the client directory).");

    /// <summary>A template with sample data, in the time zone (a client's calendar's; UTC when none) and language (English when none) given.</summary>
    private static IResult Preview(string name, string? timeZone, string? language)
    {
        if (!Templates.Templates.Samples.TryGetValue(name, out var sample))
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No template '{name}'.",
                extensions: new Dictionary<string, object?> { ["name"] = name, ["templates"] = Templates.Templates.Samples.Keys });
        var errors = new Dictionary<string, string[]>();
        if (timeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
            errors["timeZone"] = [$"'{timeZone}' is not a time zone id (IANA, e.g. America/New_York)."];
        if (language is not null && !Wording.All.ContainsKey(language))
            errors["language"] = [LanguageProblem(language)];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var composed = sample(timeZone ?? "Etc/UTC", Wording.For(language));
        return TypedResults.Ok(new { Template = name, composed.Subject, composed.Text, composed.Html });
    }

    private static string LanguageProblem(string language) =>
        $"'{language}' is not a language notify writes; use one of {string.Join(", ", Wording.All.Keys)}.";

    /// <summary>
    /// Twilio's status callback for a message or call notify created. Checked against the URL Twilio was given
    /// (Twilio:PublicBaseUrl + the path); a forged or unsigned one is 401 and changes nothing. Each (sid, status) is
    /// applied once, and a delivery only moves forward: a late "sent" after "delivered" changes nothing.
    /// </summary>
    private static async Task<IResult> TwilioStatus(HttpRequest request, IOptions<TwilioOptions> options, NotifyDbContext db,
        IPublishEndpoint publish, TimeProvider clock, ILogger<TwilioApi> logger, CancellationToken cancellationToken)
    {
        var signature = request.Headers[ServiceDesk.Platform.TwilioSignature.Header].ToString();
        if (signature.Length == 0) return Unauthorized($"{ServiceDesk.Platform.TwilioSignature.Header} is required.");
        var twilio = options.Value;
        if (!twilio.IsConfigured || twilio.StatusCallbackUrl is not { } url)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Twilio is not configured (Twilio:AccountSid).");
        var body = await ReadAsync(request, MaxCallbackBytes, cancellationToken);
        if (body is null) return TooLarge(MaxCallbackBytes);
        var form = ProviderReports.FormPairs(Encoding.UTF8.GetString(body));
        if (!ServiceDesk.Platform.TwilioSignature.Matches(twilio.AuthToken!, url, form, signature))
            return Unauthorized($"{ServiceDesk.Platform.TwilioSignature.Header} does not match the request signed with the Twilio auth token.");

        var sid = ProviderReports.Sid(form);
        var status = ProviderReports.Status(form);
        if (sid is null || status is null) return TypedResults.NoContent();
        var key = $"twilio:{sid}:{status}";
        // One transaction, serialised with the attempt that stores this sid's row (ProviderReports.LockAsync): either the
        // row is committed before we look, or our report is committed before the attempt looks for early ones.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await ProviderReports.LockAsync(db, sid, cancellationToken);
        if (await db.Reports.AnyAsync(r => r.Key == key, cancellationToken)) return TypedResults.NoContent(); // a replay or Twilio's retry

        // Not found: the callback overtook the commit of the send it reports on. Kept without a delivery, the
        // attempt applies it once its row is stored (Deliveries.AttemptAsync).
        var delivery = await db.Deliveries.FromSql($"SELECT * FROM deliveries WHERE \"ProviderId\" = {sid} FOR UPDATE")
            .AsTracking().SingleOrDefaultAsync(cancellationToken);
        db.Reports.Add(new DeliveryReport { Key = key, DeliveryId = delivery?.Id, Raw = Encoding.UTF8.GetString(body), ReceivedAt = clock.GetUtcNow() });
        if (delivery is not null && await ProviderReports.ApplyAsync(delivery, form, clock.GetUtcNow(), publish)) // published with the change: the bus outbox
            logger.LogInformation("Delivery {DeliveryId} ({Sid}) is {State}", delivery.Id, sid, delivery.State);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// A text message that acknowledges a page (docs/adr/0046), sent on by a channel (the SMS channel) that recognised an
    /// acknowledgement word, signed with the channel's secret like its requests to intake. The body is the channel's
    /// request (<c>contactPhone</c> is the sender). When pages went by SMS to that number within
    /// <see cref="PageReplyWindow"/>, tickets is told (<see cref="PageReplyReceived"/>) and the answer is 202; otherwise
    /// 404, and the channel hands the message to intake as any other.
    /// </summary>
    private static async Task<IResult> PageReply(string channel, HttpRequest request, WebhookVerifier verifier, NotifyDbContext db,
        IPublishEndpoint publish, TimeProvider clock, ILogger<Deliveries> logger, CancellationToken cancellationToken)
    {
        // Unsigned is 401 before the channel is looked up, as on every route that proves its caller by a signature.
        if (request.Headers[WebhookVerifier.SignatureHeader].ToString().Length == 0)
            return Unauthorized($"{WebhookVerifier.SignatureHeader} is required.");
        var (delivery, problem) = await verifier.VerifyAsync(channel, request, cancellationToken);
        if (problem is not null) return problem;
        string? phone = null;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(delivery!.Body);
            if (json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && json.RootElement.TryGetProperty("contactPhone", out var from) && from.ValueKind == System.Text.Json.JsonValueKind.String)
                phone = from.GetString();
        }
        catch (System.Text.Json.JsonException)
        {
            // answered below, naming the field
        }
        if (string.IsNullOrWhiteSpace(phone))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["contactPhone"] = ["Required: the number the reply came from."] });

        var now = clock.GetUtcNow();
        var since = now - PageReplyWindow;
        var sent = await db.Deliveries.AsNoTracking()
            .Where(d => d.Kind == MessageKind.Page && d.Channel == "sms" && d.Recipient == phone && d.CreatedAt >= since)
            .OrderByDescending(d => d.CreatedAt).Take(20)
            .Select(d => new { d.TicketId, d.EventKey, d.CreatedAt })
            .ToListAsync(cancellationToken);
        var pages = sent
            .Select(d => Guid.TryParse(d.EventKey[(MessageKind.Page.Length + 1)..], out var pageId) ? new PageSentBySms(d.TicketId, pageId, d.CreatedAt) : null)
            .OfType<PageSentBySms>().DistinctBy(p => p.PageId).ToList();
        if (pages.Count == 0)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound,
                title: $"No page was texted to this number in the last {PageReplyWindow.TotalHours:0} hours: the message is not a page acknowledgement.");

        await publish.Publish(new PageReplyReceived(phone, delivery!.DeliveryId, now, pages), cancellationToken);
        await db.SaveChangesAsync(cancellationToken); // the bus outbox commits the message
        logger.LogInformation("Page reply {DeliveryId} on {Channel}: acknowledges the newest open of {Count} pages (ticket {TicketId})",
            delivery.DeliveryId, channel, pages.Count, pages[0].TicketId);
        return TypedResults.Accepted((string?)null, new { ticketId = pages[0].TicketId, pageId = pages[0].PageId });
    }

    /// <summary>
    /// A bounce (RFC 3464 DSN, multipart/report; report-type=delivery-status) the MTA received for notify's envelope
    /// sender (Smtp:BounceAddress), posted raw as message/rfc822 with the bearer token Notify:BounceToken
    /// (docs/adr/0036). Each failed recipient is matched to the ledger by the original message's Message-ID and the
    /// recipient, and marked bounced. Stored raw first; the same DSN twice changes nothing. 202 whatever it matched, so
    /// the MTA never bounces a bounce.
    /// </summary>
    private static async Task<IResult> Bounce(HttpRequest request, IOptions<NotifyOptions> options, NotifyDbContext db, IPublishEndpoint publish,
        TimeProvider clock, ILogger<Deliveries> logger, CancellationToken cancellationToken)
    {
        var presented = request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : null;
        if (presented is null) return Unauthorized("A bearer token (Notify:BounceToken) is required.");
        if (options.Value.BounceToken is not { Length: > 0 } token)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Bounce intake is not configured (Notify:BounceToken).");
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token)))
            return Unauthorized("Unknown bounce token.");
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), "message/rfc822", StringComparison.OrdinalIgnoreCase))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send the bounce as message/rfc822.");
        var body = await ReadAsync(request, MaxBounceBytes, cancellationToken);
        if (body is null) return TooLarge(MaxBounceBytes);

        var key = $"dsn:{Convert.ToHexStringLower(SHA256.HashData(body))}";
        if (await db.Reports.AnyAsync(r => r.Key == key, cancellationToken)) return TypedResults.Accepted((string?)null, new { matched = 0, duplicate = true });
        var now = clock.GetUtcNow();
        var report = new DeliveryReport { Key = key, Raw = Encoding.UTF8.GetString(body), ReceivedAt = now };
        db.Reports.Add(report);

        var matched = 0;
        foreach (var failure in Dsn.Failures(body))
        {
            var delivery = await db.Deliveries.FromSql($"SELECT * FROM deliveries WHERE \"ProviderId\" = {failure.MessageId} AND \"Channel\" = 'email' AND lower(\"Recipient\") = lower({failure.Recipient}) FOR UPDATE")
                .AsTracking().SingleOrDefaultAsync(cancellationToken);
            if (delivery is null || delivery.State is DeliveryState.Bounced or DeliveryState.Failed) continue;
            delivery.State = DeliveryState.Bounced;
            delivery.FailedAt = now;
            delivery.UpdatedAt = now;
            delivery.LastError = Sending.Deliveries.Truncate(failure.Reason);
            await Sending.Deliveries.FailedAsync(publish, delivery);
            matched++;
            logger.LogWarning("{Kind} {DeliveryId} to {Recipient} bounced: {Reason}", delivery.Kind, delivery.Id, delivery.Recipient, failure.Reason);
        }
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted((string?)null, new { matched });
    }

    private static async Task<byte[]?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static IResult Unauthorized(string title) => TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: title);
    private static IResult TooLarge(int limit) => TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"The body is over {limit} bytes.");
}
