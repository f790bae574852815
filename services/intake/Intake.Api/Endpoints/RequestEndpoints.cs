using Intake.Api.Overload;
using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Intake.Api.Channels;
using Intake.Api.Data;
using Intake.Api.Domain;
using Intake.Api.Phone;
using Intake.Contracts;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;

namespace Intake.Api.Endpoints;

/// <summary>A support request as JSON: from the web channel, or from an integrator's signed webhook.</summary>
/// <param name="ClientId">Required for staff and channels; a client user may leave it out (their own client).</param>
/// <param name="ContactEmail">
/// Staff: the address of a contact of the client. A signed-in contact may leave it out: the request is made as them, to
/// their own address, and another address is refused (docs/adr/0025).
/// </param>
/// <param name="ContactName">Ignored for a signed-in contact: their name in the client directory is used.</param>
/// <param name="TicketNumber">
/// A reply (the portal's "reply" on a ticket): the number of the ticket it answers ("SD#1234" is 1234). It threads like an
/// email reply naming that ticket (docs/adr/0017): another client's number is ignored and the request opens a new ticket.
/// </param>
/// <param name="Attachments">Files sent with it (the portal's reply), at most <see cref="UploadedFile.MaxFiles"/>.</param>
public sealed record SubmitRequest(
    Guid? ClientId,
    string? ContactEmail,
    string? ContactName,
    string? Subject,
    string? Description,
    string? PriorityHint,
    bool? Emergency = null,
    bool? EmergencyTermsConfirmed = null,
    long? TicketNumber = null,
    UploadedFile[]? Attachments = null);

/// <summary>A file sent with a web request, its bytes in base64 (JSON keeps the one request format and its idempotency).</summary>
/// <param name="ContentType">Defaults to application/octet-stream; it only tells a downloader what the sender said it is.</param>
public sealed record UploadedFile(string? FileName, string? ContentType, string? Content)
{
    public const int MaxFiles = 3;

    /// <summary>Per file, decoded; the gateway bounds the whole body (4.5 MiB) so that three at once fit in base64.</summary>
    public const int MaxBytes = 1024 * 1024;
}

/// <summary>
/// A request from an integrator's signed channel (a monitoring tool, an SMS or chat adapter): what a web request
/// carries, plus what the channel contract has room for. At least one of <paramref name="ContactEmail"/> and
/// <paramref name="ContactPhone"/> is required; the sender is looked up by email, then phone, and an unknown one waits in triage.
/// </summary>
/// <param name="ClientId">Optional when the channel serves a single client ("Channels:{name}:ClientIds").</param>
/// <param name="ContactPhone">The sender's number in E.164 ("+15551234567"; spaces, dashes and parentheses are tolerated).</param>
/// <param name="TicketNumber">A follow-up: the number of the existing ticket the sender quoted ("SD#1234" is 1234).</param>
public sealed record ChannelRequest(
    Guid? ClientId,
    string? ContactEmail,
    string? ContactPhone,
    string? ContactName,
    string? Subject,
    string? Description,
    string? PriorityHint,
    long? TicketNumber)
{
    /// <summary>The fields a web request has too, validated by the same rules.</summary>
    internal SubmitRequest Common => new(ClientId, ContactEmail, ContactName, Subject, Description, PriorityHint);
}

public static class RequestEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    private static readonly string[] Priorities = ["P1", "P2", "P3", "P4"];

    public static IEndpointRouteBuilder MapRequestEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/requests", SubmitWeb)
            .RequireAuthorization(Policies.ClientsAndStaff)
            .WithMetadata(ServiceDefaults.BodyWithFiles)
            .Accepts<SubmitRequest>("application/json")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .Produces(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        app.MapPost("/api/staff-entries", SubmitStaffEntry)
            .RequireAuthorization(Policies.Staff)
            .Accepts<SubmitRequest>("application/json")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();

        // Integrators' channels: no user token, but the channel's HMAC signature and replay protection.
        app.MapPost("/api/channels/{channel:regex(^[a-z0-9-]{{1,40}}$)}/requests", SubmitSigned)
            .AllowAnonymous()
            .WithMetadata(new SignatureVerifiedAttribute())
            .Accepts<ChannelRequest>("application/json")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<IResult> SubmitWeb(SubmitRequest body, Tenant tenant, HttpContext http, ChannelIntake intake,
        IntakeDbContext db, Backlog backlog, TimeProvider clock, CancellationToken cancellationToken)
    {
        Contact? speaker = null;
        if (tenant.IsClient)
        {
            if (body.ClientId is not null && body.ClientId != tenant.ClientId)
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                    title: "A client user can open requests only for their own client.");
            var (asContact, contact, refusal) = await AsSignedInContactAsync(body with { ClientId = tenant.ClientId }, tenant, db, cancellationToken);
            if (refusal is not null) return refusal;
            (body, speaker) = (asContact!, contact);
        }

        var validation = Validate(body);
        var files = Files(body.Attachments, validation);
        if (body.TicketNumber is < 1) validation["ticketNumber"] = ["A ticket number is 1 or more (\"SD#1234\" is 1234)."];
        if (validation is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        if (!tenant.IsClient && await NotAContactAsync(body, db, cancellationToken) is { } notAContact) return notAContact;

        // A retried POST with the same Idempotency-Key is the same request (RFC draft "The Idempotency-Key HTTP Header
        // Field"): the key is scoped to the caller, and the body's fingerprint tells a retry from a reuse.
        string? externalId = null, fingerprint = null;
        if (http.Request.Headers.TryGetValue(IdempotencyKeyHeader, out var keys))
        {
            var key = keys.ToString();
            if (keys.Count != 1 || key.Length is 0 or > 200 || key.Any(c => c is < '!' or > '~'))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    [IdempotencyKeyHeader] = ["One value of 1 to 200 visible ASCII characters."],
                });
            var caller = http.User.Identity?.Name ?? "";
            externalId = "idem:" + Hash($"{caller}\n{key}");
            fingerprint = Hash(JsonSerializer.Serialize(body));
        }

        if (backlog.Overloaded && body.PriorityHint != "P1" && body.Emergency != true) return Overloaded(backlog, http);
        var outcome = await AcceptAsync(body, "web", externalId, fingerprint, enteredBy: null, intake, clock, cancellationToken,
            ticketNumber: body.TicketNumber, speaker: speaker, attachments: files);
        if (outcome is not { Result: IntakeResult.Duplicate } duplicate) return Answer(outcome);
        if (duplicate.Fingerprint != fingerprint)
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "This Idempotency-Key was already used for a different request.",
                extensions: new Dictionary<string, object?> { ["requestId"] = duplicate.Id });
        http.Response.Headers["Idempotent-Replayed"] = "true";
        return Accepted(duplicate.Id);
    }

    /// <summary>
    /// Staff entry: a technician records a request that reached them off-channel (a call to a cell phone, a word on
    /// site) on behalf of a contact. The ticket is marked "staff" with who entered it; its clock starts now.
    /// </summary>
    private static async Task<IResult> SubmitStaffEntry(SubmitRequest body, HttpContext http, ChannelIntake intake, IntakeDbContext db,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (Validate(body) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        // The tier decides, never the person who answers: staff set a ticket's priority, with a reason, after entry.
        if (body.Emergency is not null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["emergency"] = ["Only a client declares an emergency (portal, emergency line, emergency address); change the ticket's priority instead."],
            });
        if (await NotAContactAsync(body, db, cancellationToken) is { } notAContact) return notAContact;
        var by = http.User.Identity?.Name ?? "staff";
        return Answer(await AcceptAsync(body, "staff", externalId: null, fingerprint: null, enteredBy: by, intake, clock, cancellationToken));
    }

    private static async Task<IResult> SubmitSigned(string channel, HttpRequest request, WebhookVerifier verifier,
        IOptions<JsonOptions> json, IOptions<ChannelsOptions> channels, ChannelIntake intake, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var (delivery, problem) = await verifier.VerifyAsync(channel, request, cancellationToken);
        if (problem is not null) return problem;

        ChannelRequest? body;
        try
        {
            body = JsonSerializer.Deserialize<ChannelRequest>(delivery!.Body, json.Value.SerializerOptions);
        }
        catch (JsonException e)
        {
            // The same 400 problem details as a bound body gets (BadRequestExceptionHandler).
            throw new BadHttpRequestException("The request body is not valid JSON.", StatusCodes.Status400BadRequest, e);
        }
        if (body is null) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Required."] });

        // A channel's secret opens requests only for the clients that channel serves ("Channels:{name}:ClientIds").
        // Without a clientId, the sender's contact decides, among the channel's clients only (an SMS number serving many).
        var served = channels.Value[channel].ClientIds; // the verifier has found the channel
        if (served.Length == 1 && body.ClientId is null) body = body with { ClientId = served[0] };
        if (body.ClientId is not null && !served.Contains(body.ClientId.Value))
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: $"Channel '{channel}' may not open requests for this client.");

        var (phone, errors) = Validate(body);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var outcome = await AcceptAsync(body.Common, channel, delivery.DeliveryId, fingerprint: null, enteredBy: null, intake, clock,
            cancellationToken, phone, body.TicketNumber, served);
        return outcome.Result switch
        {
            IntakeResult.Duplicate => Replayed(delivery.DeliveryId, outcome.Id),
            // An unknown sender (e.g. a number no contact has): kept, and a dispatcher assigns it (GET /api/triage).
            IntakeResult.Triaged => TypedResults.Accepted((string?)null, new { id = outcome.Id, status = "triaged" }),
            _ => Answer(outcome),
        };
    }

    /// <summary>Hands a validated JSON request to intake's one way in (<see cref="ChannelIntake"/>).</summary>
    private static async Task<IntakeOutcome> AcceptAsync(SubmitRequest body, string channel, string? externalId, string? fingerprint,
        string? enteredBy, ChannelIntake intake, TimeProvider clock, CancellationToken cancellationToken,
        string? contactPhone = null, long? ticketNumber = null, IReadOnlyCollection<Guid>? servedClients = null, Contact? speaker = null,
        IReadOnlyList<InboundAttachment>? attachments = null)
    {
        return await intake.AcceptAsync(new InboundRequest
        {
            Channel = channel,
            ExternalId = externalId,
            Fingerprint = fingerprint,
            ReceivedAt = clock.GetUtcNow(),
            Sender = new Sender(string.IsNullOrWhiteSpace(body.ContactEmail) ? null : body.ContactEmail.Trim(), contactPhone,
                string.IsNullOrWhiteSpace(body.ContactName) ? null : body.ContactName.Trim()),
            ClientId = body.ClientId,
            Speaker = speaker,
            ServedClients = servedClients,
            Subject = body.Subject!.Trim(),
            Text = body.Description!,
            PriorityHint = body.PriorityHint,
            EmergencyDeclared = body.Emergency == true ? $"{channel}: declared by the client, who confirmed the after-hours terms" : null,
            Thread = ticketNumber is null ? null : new ThreadHints(null, ticketNumber, null, []),
            EnteredBy = enteredBy,
            Attachments = attachments ?? [],
        }, cancellationToken);
    }

    /// <summary>The uploaded files, decoded; each bad one is named in <paramref name="errors"/> ("attachments[1].content").</summary>
    private static List<InboundAttachment> Files(UploadedFile[]? uploads, Dictionary<string, string[]> errors)
    {
        var files = new List<InboundAttachment>();
        if (uploads is null) return files;
        if (uploads.Length > UploadedFile.MaxFiles)
        {
            errors["attachments"] = [$"At most {UploadedFile.MaxFiles} files."];
            return files;
        }
        for (var i = 0; i < uploads.Length; i++)
        {
            var (upload, key) = (uploads[i], $"attachments[{i}]");
            var name = upload?.FileName?.Trim();
            // A name, not a path: what the download offers to save as.
            if (string.IsNullOrEmpty(name) || name.Length > RequestLimits.Name || name.IndexOfAny(['/', '\\']) >= 0 || HasControlCharacters(name))
                errors[$"{key}.fileName"] = [$"Required: a file name without a path, at most {RequestLimits.Name} characters."];
            var type = string.IsNullOrWhiteSpace(upload?.ContentType) ? "application/octet-stream" : upload.ContentType.Trim();
            if (type.Length > 100 || !System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(type, out _))
                errors[$"{key}.contentType"] = ["Not a media type (\"image/png\")."];
            var bytes = new byte[UploadedFile.MaxBytes];
            if (upload?.Content is not { Length: > 0 } content)
                errors[$"{key}.content"] = ["Required: the file's bytes in base64."];
            else if (content.Length > (UploadedFile.MaxBytes + 2) / 3 * 4 + 4 || !Convert.TryFromBase64String(content, bytes, out var length))
                errors[$"{key}.content"] = [$"Base64 of at most {UploadedFile.MaxBytes / 1024 / 1024} MiB."];
            else if (errors.Count == 0) files.Add(new InboundAttachment(name!, type, null, bytes[..length]));
        }
        return files;
    }

    /// <summary>
    /// A client caller speaks as the contact their token names (claim contact_id, docs/adr/0025): the request carries that
    /// contact's name and own address, so the acknowledgement cannot be sent anywhere else. A body naming another address
    /// is refused (400 naming contactEmail), not quietly corrected: the caller would otherwise believe the mail went there.
    /// </summary>
    private static async Task<(SubmitRequest? Body, Contact? Contact, IResult? Refusal)> AsSignedInContactAsync(SubmitRequest body, Tenant tenant,
        IntakeDbContext db, CancellationToken cancellationToken)
    {
        if (tenant.ContactId is not { } contactId)
            return (null, null, TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: "This sign-in is not bound to a contact, so it cannot open requests.",
                detail: "A client token opens requests as the contact its contact_id claim names."));
        // The tenant filter limits this to the caller's own client: another client's contact is not found.
        var contact = await db.Contacts.AsNoTracking().SingleOrDefaultAsync(c => c.Id == contactId, cancellationToken);
        if (contact is null)
            return (null, null, TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: "The signed-in contact is not a contact of this client.",
                detail: "A contact removed from the client can no longer open requests; one just added reaches intake within seconds."));

        if (string.IsNullOrWhiteSpace(body.ContactEmail))
        {
            if (contact.Emails.FirstOrDefault() is not { } own)
                return (null, null, ContactEmailProblem("Your contact record has no email address to acknowledge to: ask your service provider to add one."));
            return (body with { ContactEmail = own, ContactName = contact.Name }, contact, null);
        }
        if (!contact.Emails.Contains(body.ContactEmail.Trim().ToLowerInvariant()))
            return (null, null, ContactEmailProblem("Requests are made as the signed-in contact: leave contactEmail out, or give one of your own addresses."));
        return (body with { ContactEmail = body.ContactEmail.Trim(), ContactName = contact.Name }, contact, null);
    }

    /// <summary>
    /// Staff speak for a contact of the client, never for an arbitrary address (docs/adr/0025): null when the address is a
    /// contact's of that client, or when the client itself is unknown (intake refuses that naming clientId).
    /// </summary>
    private static async Task<IResult?> NotAContactAsync(SubmitRequest body, IntakeDbContext db, CancellationToken cancellationToken)
    {
        var email = body.ContactEmail!.Trim().ToLowerInvariant();
        if (await db.Contacts.IgnoreQueryFilters().AnyAsync(c => c.ClientId == body.ClientId && c.Emails.Contains(email), cancellationToken))
            return null;
        if (!await db.Clients.IgnoreQueryFilters().AnyAsync(c => c.Id == body.ClientId, cancellationToken)) return null;
        return ContactEmailProblem($"Not the address of a contact of this client: add the contact first (POST /api/clients/{body.ClientId}/contacts).");
    }

    private static IResult ContactEmailProblem(string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["contactEmail"] = [message] });

    /// <summary>
    /// The overload policy (docs/adr/0033): while the backlog is over a bound, a non-emergency web request is turned away
    /// before anything is stored, and told when to come back. Emergencies (P1), staff entries and the other channels
    /// are always taken: a mail server or a phone call cannot be asked to wait, and nothing accepted is ever dropped.
    /// </summary>
    private static IResult Overloaded(Backlog backlog, HttpContext http)
    {
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(backlog.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "The service desk is catching up; nothing was stored.",
            detail: $"{backlog.Describe()}. Send this request again after the Retry-After time; for an emergency, send it with priorityHint P1 or call the emergency line.");
    }

    /// <summary>The Location is the ticket the request becomes (the ticket takes the request's id).</summary>
    private static IResult Answer(IntakeOutcome outcome) => outcome.Result switch
    {
        IntakeResult.Refused => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["clientId"] = [outcome.Reason!] }),
        _ => Accepted(outcome.Id),
    };

    private static IResult Accepted(Guid id) => TypedResults.Accepted($"/api/tickets/{id}", new { id, status = "accepted" });

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static IResult Replayed(string deliveryId, Guid requestId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
            title: $"Delivery '{deliveryId}' was already received.",
            extensions: new Dictionary<string, object?> { ["requestId"] = requestId });

    /// <summary>Web and staff entry: the contact's email is required (acknowledgements go there).</summary>
    private static Dictionary<string, string[]> Validate(SubmitRequest body) => Validate(body, emailRequired: true);

    /// <summary>
    /// Signed channels: an email or a phone number (one of the two), an optional ticket number. Returns the phone in E.164.
    /// </summary>
    private static (string? Phone, Dictionary<string, string[]> Errors) Validate(ChannelRequest body)
    {
        var hasEmail = !string.IsNullOrWhiteSpace(body.ContactEmail);
        var hasPhone = !string.IsNullOrWhiteSpace(body.ContactPhone);
        var errors = Validate(body.Common, emailRequired: false);
        errors.Remove("clientId"); // left out: the directory finds it among the channel's clients
        if (!hasEmail && !hasPhone)
        {
            errors["contactEmail"] = ["Required unless contactPhone is given."];
            errors["contactPhone"] = ["Required unless contactEmail is given."];
        }

        string? phone = null;
        if (hasPhone)
        {
            // Strict: no default country, so a number without '+' and its country code is refused rather than guessed.
            if (PhoneNumber.TryNormalize(body.ContactPhone, defaultCountryCode: null, out var e164, out var error)) phone = e164;
            else errors["contactPhone"] = [$"Not an E.164 number (\"+15551234567\"): {error}"];
        }
        if (body.TicketNumber is < 1) errors["ticketNumber"] = ["A ticket number is 1 or more (\"SD#1234\" is 1234)."];
        return (phone, errors);
    }

    private static Dictionary<string, string[]> Validate(SubmitRequest body, bool emailRequired)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.ClientId is null || body.ClientId == Guid.Empty) errors["clientId"] = ["Required."];

        if (string.IsNullOrWhiteSpace(body.ContactEmail)) { if (emailRequired) errors["contactEmail"] = ["Required."]; }
        else if (body.ContactEmail.Length > RequestLimits.Email) errors["contactEmail"] = [$"At most {RequestLimits.Email} characters."];
        else if (!IsEmailAddress(body.ContactEmail.Trim())) errors["contactEmail"] = ["Not a valid email address."];

        if (body.ContactName is { Length: > RequestLimits.Name }) errors["contactName"] = [$"At most {RequestLimits.Name} characters."];
        else if (body.ContactName is not null && HasControlCharacters(body.ContactName)) errors["contactName"] = ["Contains control characters."];
        Text(errors, "subject", body.Subject, RequestLimits.Subject);
        Text(errors, "description", body.Description, RequestLimits.Description);

        if (body.PriorityHint is not null && !Priorities.Contains(body.PriorityHint))
            errors["priorityHint"] = ["One of P1, P2, P3, P4."];
        // An emergency is declared knowingly: the portal shows the after-hours terms (billable, the rate, the minimum
        // charge) and the client confirms them (docs/adr/0037).
        if (body.Emergency == true && body.EmergencyTermsConfirmed != true)
            errors["emergencyTermsConfirmed"] = ["Confirm that you have read the after-hours terms: an emergency is declared knowingly."];
        return errors;
    }

    private static void Text(Dictionary<string, string[]> errors, string field, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value)) errors[field] = ["Required."];
        else if (value.Length > max) errors[field] = [$"At most {max} characters."];
        else if (HasControlCharacters(value)) errors[field] = ["Contains control characters."];
    }

    /// <summary>NUL and other control characters (but tab and line breaks): PostgreSQL refuses NUL in text.</summary>
    private static bool HasControlCharacters(string value) =>
        value.Any(c => char.IsControl(c) && c is not ('\t' or '\r' or '\n'));

    /// <summary>A bare address with a dotted domain: "Ann &lt;ann@x.com&gt;" or "ann@localhost" are refused.</summary>
    private static bool IsEmailAddress(string value) =>
        MailAddress.TryCreate(value, out var address)
        && address.Address == value
        && address.Host.Contains('.', StringComparison.Ordinal);
}
