using System.Net.Mail;
using System.Security.Claims;
using System.Text.RegularExpressions;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Endpoints;

/// <param name="Revision">For updates only: the client's revision as last read.</param>
public sealed record ClientRequest(string? Name, string? Tier, string? CalendarId, bool? Active, int? Revision);

public sealed record ContactRequest(string? Name, string[]? Emails, string[]? Phones);

/// <param name="ContactIds">The contacts to call, first to last; contacts not listed leave the list.</param>
public sealed record CallDownRequest(Guid[]? ContactIds);

public sealed record ClientContactView(Guid Id, string Name, string[] Emails, string[] Phones, int? CallDownPosition);

public sealed record ClientView(Guid Id, string Name, string Tier, string? CalendarId, bool Active, int Revision, ClientContactView[] Contacts,
    Guid[] CallDownList);

/// <summary>
/// The client directory. Staff read every client and a client token only its own (404 for any other). Dispatchers and
/// admins create and change clients; any staff member keeps contacts and the call-down list current. Every change
/// publishes the whole client (ClientChanged) for the replicas (docs/adr/0013).
/// </summary>
public static partial class ClientEndpoints
{
    private static readonly string[] NotAContact = ["Not a contact of this client."];

    public static IEndpointRouteBuilder MapClientEndpoints(this IEndpointRouteBuilder app)
    {
        var clients = app.MapGroup("/api/clients").WithTags("Clients");
        clients.MapGet("", async (TicketsDbContext db, CancellationToken ct) =>
                TypedResults.Ok((await db.Clients.AsNoTracking().Include(c => c.Contacts).OrderBy(c => c.Name).ToListAsync(ct)).Select(View).ToArray()))
            .RequireAuthorization(Policies.ClientsAndStaff);
        clients.MapGet("/{id:guid}", async (Guid id, TicketsDbContext db, CancellationToken ct) =>
                await db.Clients.AsNoTracking().Include(c => c.Contacts).SingleOrDefaultAsync(c => c.Id == id, ct) is { } client
                    ? TypedResults.Ok(View(client)) : Problems.NotFound("client"))
            .RequireAuthorization(Policies.ClientsAndStaff)
            .Produces<ClientView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        clients.MapPost("", Create)
            .RequireAuthorization(TeamEndpoints.Dispatchers)
            .Produces<ClientView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        clients.MapPut("/{id:guid}", Update)
            .RequireAuthorization(TeamEndpoints.Dispatchers)
            .Produces<ClientView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        clients.MapPost("/{id:guid}/contacts", AddContact)
            .RequireAuthorization(Policies.Staff)
            .Produces<ClientView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        clients.MapPut("/{id:guid}/contacts/{contactId:guid}", UpdateContact)
            .RequireAuthorization(Policies.Staff)
            .Produces<ClientView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        clients.MapDelete("/{id:guid}/contacts/{contactId:guid}", RemoveContact)
            .RequireAuthorization(Policies.Staff)
            .Produces<ClientView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        clients.MapPut("/{id:guid}/call-down-list", SetCallDownList)
            .RequireAuthorization(Policies.Staff)
            .Produces<ClientView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static ClientContactView View(Contact c) => new(c.Id, c.Name, [.. c.Emails], [.. c.Phones], c.CallDownPosition);

    private static ClientView View(Client c) => new(c.Id, c.Name, c.Tier, c.CalendarId, c.Active, c.Revision,
        [.. c.Contacts.OrderBy(x => x.Name, StringComparer.Ordinal).ThenBy(x => x.Id).Select(View)],
        [.. c.Contacts.Where(x => x.CallDownPosition is not null).OrderBy(x => x.CallDownPosition).Select(x => x.Id)]);

    private static async Task<IResult> Create(ClientRequest body, ClaimsPrincipal user, TicketsDbContext db, IPublishEndpoint bus,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (body.Revision is not null) errors["revision"] = ["Only for updates."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var client = new Client { Id = Guid.CreateVersion7(clock.GetUtcNow()), Name = "", Tier = "", Revision = 0 };
        db.Clients.Add(client);
        return await SaveAsync(db, null, bus, client, user, clock, c => Apply(c, body), StatusCodes.Status201Created, cancellationToken);
    }

    private static async Task<IResult> Update(Guid id, ClientRequest body, ClaimsPrincipal user, TicketsDbContext db, IPublishEndpoint bus,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (body.Revision is null) errors["revision"] = ["Required: the client's revision from your last read."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.ClientAsync(db, id, cancellationToken);
        var client = await LoadAsync(db, id, cancellationToken);
        if (client is null) return Problems.NotFound("client");
        if (client.Revision != body.Revision) return Stale(client);
        return await SaveAsync(db, transaction, bus, client, user, clock, c => Apply(c, body), StatusCodes.Status200OK, cancellationToken);
    }

    private static async Task<IResult> AddContact(Guid id, ContactRequest body, ClaimsPrincipal user, TicketsDbContext db, IPublishEndpoint bus,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.ClientAsync(db, id, cancellationToken);
        var client = await LoadAsync(db, id, cancellationToken);
        if (client is null) return Problems.NotFound("client");
        if (client.Contacts.Count >= TicketLimits.MaxContacts)
            return Problems.Invalid("contacts", $"A client has at most {TicketLimits.MaxContacts} contacts.");
        if (Taken(client, body, except: null) is { } taken) return taken;
        var contact = new Contact { Id = Guid.CreateVersion7(clock.GetUtcNow()), ClientId = client.Id, Name = "" };
        Apply(contact, body);
        // Added through the DbSet, not the collection: EF would take a contact found there with its key already set for an
        // existing row and UPDATE it. Tracking it fixes up client.Contacts, so the published snapshot includes it.
        db.Contacts.Add(contact);
        return await SaveAsync(db, transaction, bus, client, user, clock, _ => { }, StatusCodes.Status201Created, cancellationToken);
    }

    private static async Task<IResult> UpdateContact(Guid id, Guid contactId, ContactRequest body, ClaimsPrincipal user, TicketsDbContext db,
        IPublishEndpoint bus, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.ClientAsync(db, id, cancellationToken);
        var client = await LoadAsync(db, id, cancellationToken);
        if (client?.Contacts.SingleOrDefault(c => c.Id == contactId) is not { } contact) return Problems.NotFound(client is null ? "client" : "contact");
        if (Taken(client, body, except: contactId) is { } taken) return taken;
        return await SaveAsync(db, transaction, bus, client, user, clock, _ => Apply(contact, body), StatusCodes.Status200OK, cancellationToken);
    }

    private static async Task<IResult> RemoveContact(Guid id, Guid contactId, ClaimsPrincipal user, TicketsDbContext db,
        IPublishEndpoint bus, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.ClientAsync(db, id, cancellationToken);
        var client = await LoadAsync(db, id, cancellationToken);
        if (client?.Contacts.SingleOrDefault(c => c.Id == contactId) is not { } contact) return Problems.NotFound(client is null ? "client" : "contact");
        return await SaveAsync(db, transaction, bus, client, user, clock, c =>
        {
            c.Contacts.Remove(contact);
            db.Contacts.Remove(contact);
            Renumber(c, [.. c.Contacts.Where(x => x.CallDownPosition is not null).OrderBy(x => x.CallDownPosition).Select(x => x.Id)]);
        }, StatusCodes.Status200OK, cancellationToken);
    }

    private static async Task<IResult> SetCallDownList(Guid id, CallDownRequest body, ClaimsPrincipal user, TicketsDbContext db,
        IPublishEndpoint bus, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (body.ContactIds is null) return Problems.Invalid("contactIds", "Required: the contacts to call, first to last (may be empty).");
        if (body.ContactIds.Distinct().Count() != body.ContactIds.Length) return Problems.Invalid("contactIds", "A contact appears twice.");
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.ClientAsync(db, id, cancellationToken);
        var client = await LoadAsync(db, id, cancellationToken);
        if (client is null) return Problems.NotFound("client");
        var unknown = body.ContactIds.Select((contactId, i) => (contactId, i)).Where(x => client.Contacts.All(c => c.Id != x.contactId)).ToList();
        if (unknown.Count > 0)
            return TypedResults.ValidationProblem(unknown.ToDictionary(x => $"contactIds[{x.i}]", _ => NotAContact));
        return await SaveAsync(db, transaction, bus, client, user, clock, c => Renumber(c, body.ContactIds), StatusCodes.Status200OK, cancellationToken);
    }

    private static void Renumber(Client client, Guid[] order)
    {
        foreach (var contact in client.Contacts)
            contact.CallDownPosition = Array.IndexOf(order, contact.Id) is var i and >= 0 ? i + 1 : null;
    }

    private static Task<Client?> LoadAsync(TicketsDbContext db, Guid id, CancellationToken cancellationToken) =>
        db.Clients.Include(c => c.Contacts).SingleOrDefaultAsync(c => c.Id == id, cancellationToken);

    /// <summary>
    /// Applies the change, bumps the revision (the concurrency token), publishes the whole client as it will be stored,
    /// saves and commits. Callers hold the client's row lock (RowLocks), so two changes to one client take turns and
    /// no two snapshots are published under one revision. Publish, then save: the outbox (issue 3) makes the pair atomic.
    /// </summary>
    private static async Task<IResult> SaveAsync(TicketsDbContext db, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? transaction,
        IPublishEndpoint bus, Client client, ClaimsPrincipal user, TimeProvider clock, Action<Client> change, int status,
        CancellationToken cancellationToken)
    {
        change(client);
        client.Revision++;
        var at = clock.GetUtcNow();
        await bus.Publish(new ClientChanged(client.Id, client.Revision, client.Name, client.Tier, client.CalendarId, client.Active,
            [.. client.Contacts.OrderBy(c => c.Id).Select(c => new ContactSnapshot(c.Id, c.Name, c.Emails, c.Phones, c.CallDownPosition))],
            at, Actor.Of(user).Subject), cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            if (transaction is not null) await transaction.CommitAsync(CancellationToken.None);
        }
        catch (DbUpdateConcurrencyException)
        {
            if (transaction is not null) await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            var current = await LoadAsync(db, client.Id, CancellationToken.None);
            return current is null ? Problems.NotFound("client") : Stale(current);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return Problems.Conflict($"A client named '{client.Name}' exists.");
        }
        return status == StatusCodes.Status201Created
            ? TypedResults.Created($"/api/clients/{client.Id}", View(client))
            : TypedResults.Ok(View(client));
    }

    private static IResult Stale(Client current) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The client was changed by someone else.",
            detail: $"It is now at revision {current.Revision}. Read it again and retry if the change still makes sense.",
            extensions: new Dictionary<string, object?> { ["currentRevision"] = current.Revision, ["current"] = View(current) });

    private static void Apply(Client client, ClientRequest body)
    {
        client.Name = body.Name!.Trim();
        client.Tier = body.Tier!.Trim();
        client.CalendarId = Input.Trimmed(body.CalendarId);
        client.Active = body.Active ?? client.Active;
    }

    /// <summary>
    /// A 409 when another contact of the client already has one of these addresses: mail or a call from it must name one
    /// person, and the call-down list must not ring the same number twice as two people.
    /// </summary>
    private static IResult? Taken(Client client, ContactRequest body, Guid? except)
    {
        var emails = (body.Emails ?? []).Select(e => e.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var phones = (body.Phones ?? []).Select(p => p.Trim()).ToHashSet(StringComparer.Ordinal);
        foreach (var other in client.Contacts.Where(c => c.Id != except))
            if ((other.Emails.FirstOrDefault(emails.Contains) ?? other.Phones.FirstOrDefault(phones.Contains)) is { } address)
                return Problems.Conflict($"{address} belongs to another contact of this client.",
                    $"Contact '{other.Name}' ({other.Id}) has it: change that contact, or remove the address from it first.");
        return null;
    }

    private static void Apply(Contact contact, ContactRequest body)
    {
        contact.Name = body.Name!.Trim();
        contact.Emails = [.. (body.Emails ?? []).Select(e => e.Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal)];
        contact.Phones = [.. (body.Phones ?? []).Select(p => p.Trim()).Distinct(StringComparer.Ordinal)];
    }

    private static Dictionary<string, string[]> Validate(ClientRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        Input.Text(errors, "name", body.Name, TicketLimits.ClientName);
        Input.Text(errors, "tier", body.Tier, TicketLimits.Reference);
        Input.Text(errors, "calendarId", body.CalendarId, TicketLimits.Reference, required: false);
        return errors;
    }

    private static Dictionary<string, string[]> Validate(ContactRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        Input.Text(errors, "name", body.Name, TicketLimits.ClientName);
        if ((body.Emails?.Length ?? 0) + (body.Phones?.Length ?? 0) == 0)
            errors["emails"] = ["A contact needs an email address or a phone number to be reached."];
        List("emails", body.Emails, email => IsEmailAddress(email) ? null : "Not a valid email address.");
        List("phones", body.Phones, phone => E164().IsMatch(phone) ? null : "Not an E.164 number: + then the country code and number, digits only (e.g. +15551234567).");
        return errors;

        void List(string field, string[]? values, Func<string, string?> check)
        {
            if (values is null) return;
            if (values.Length > TicketLimits.MaxAddresses) errors[field] = [$"At most {TicketLimits.MaxAddresses}."];
            else
                for (var i = 0; i < values.Length; i++)
                    if ((values[i] is null ? "Required." : check(values[i].Trim())) is { } problem) errors[$"{field}[{i}]"] = [problem];
        }
    }

    /// <summary>A bare address with a dotted domain, as intake checks them.</summary>
    private static bool IsEmailAddress(string value) =>
        value.Length <= 254 && MailAddress.TryCreate(value, out var address) && address.Address == value && address.Host.Contains('.', StringComparison.Ordinal);

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();
}
