using System.Security.Claims;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Endpoints;

/// <param name="Outcome">reached, voicemail (left with the service number), no-answer, busy, wrong-person or failed.</param>
/// <param name="Number">The number dialled: one of the contact's phones (E.164).</param>
public sealed record CallDownAttemptRequest(Guid? ContactId, string? Number, string? Outcome, string? Note);

public sealed record CallDownAttemptView(Guid Id, Guid ContactId, string ContactName, string Number, string Outcome, string? Note,
    DateTimeOffset At, string RecordedBy);

public sealed record CallDownContactView(Guid ContactId, string Name, int Position, string[] Phones);

/// <param name="State">"walking" while a listed contact is untried, "reached", or "exhausted" (every listed contact tried, nobody reached).</param>
/// <param name="Next">The next contact to call; null once reached or exhausted.</param>
public sealed record CallDownView(Guid TicketId, string State, CallDownContactView[] List, CallDownAttemptView[] Attempts, CallDownContactView? Next);

/// <summary>
/// On-call walks the client's ordered call-down list (DOMAIN.md "After hours"): each call is a record on the ticket, and
/// only "reached" ends the walk. Either end is published once, with every call: someone reached (CallDownReached), or a
/// list tried through without reaching anyone (CallDownExhausted: the ticket waits for business hours because nothing
/// after hours is approved). notify sends the client the summary.
/// </summary>
public static class CallDownEndpoints
{
    public static IEndpointRouteBuilder MapCallDownEndpoints(this IEndpointRouteBuilder app)
    {
        var walk = app.MapGroup("/api/tickets/{id:guid}/call-down").WithTags("After hours").RequireAuthorization(Policies.Staff);
        walk.MapGet("", Get)
            .Produces<CallDownView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        walk.MapPost("/attempts", Attempt)
            .Produces<CallDownView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<IResult> Get(Guid id, TicketsDbContext db, CancellationToken cancellationToken)
    {
        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null) return Problems.TicketNotFound();
        var (list, attempts) = await WalkAsync(db, ticket, cancellationToken);
        return TypedResults.Ok(View(ticket, list, attempts));
    }

    private static async Task<IResult> Attempt(Guid id, CallDownAttemptRequest body, ClaimsPrincipal user, TicketsDbContext db,
        IPublishEndpoint bus, AfterHoursGate gate, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.ContactId is null) errors["contactId"] = ["Required: a contact on the client's call-down list."];
        Input.Text(errors, "number", body.Number, TicketLimits.Reference);
        if (body.Outcome is null || !CallDownOutcomes.All.Contains(body.Outcome))
            errors["outcome"] = [$"Required: one of {string.Join(", ", CallDownOutcomes.All)}."];
        Input.Text(errors, "note", body.Note, TicketLimits.Reason, required: false);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        // Attempts on one ticket queue behind its row lock, so exactly one of them can find the list exhausted.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.TicketAsync(db, id, cancellationToken);
        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null) return Problems.TicketNotFound();
        var (list, attempts) = await WalkAsync(db, ticket, cancellationToken);
        if (list.FirstOrDefault(c => c.Id == body.ContactId) is not { } contact)
            return Problems.Invalid("contactId", await db.Contacts.AnyAsync(c => c.Id == body.ContactId && c.ClientId == ticket.ClientId, cancellationToken)
                ? "Not on the client's call-down list."
                : "Not a contact of this ticket's client.");
        var number = body.Number!.Trim();
        if (!contact.Phones.Contains(number)) return Problems.Invalid("number", $"Not one of {contact.Name}'s numbers ({string.Join(", ", contact.Phones)}).");
        if (ticket.Status == TicketStatus.Closed) return Problems.Conflict("A closed ticket's call-down walk is over.");
        if (attempts.FirstOrDefault(a => a.Outcome == CallDownOutcomes.Reached) is { } reached)
            return Problems.Conflict("The call-down walk is over.",
                $"{reached.ContactName} was reached at {reached.At:u}; ask them for approval (POST /api/tickets/{id}/approvals).");

        var actor = Actor.Of(user);
        var now = clock.GetUtcNow();
        var attempt = new CallDownAttempt
        {
            Id = Guid.CreateVersion7(now), TicketId = ticket.Id, ClientId = ticket.ClientId, ContactId = contact.Id, ContactName = contact.Name,
            Number = number, Outcome = body.Outcome!, Note = Input.Trimmed(body.Note), At = now, RecordedBy = actor.Subject,
        };
        var wasExhausted = attempts.Any(a => a.ExhaustedList);
        attempts.Add(attempt);
        db.CallDownAttempts.Add(attempt);
        db.Record(ticket, actor, now, "call-down-attempt", AttemptView(attempt));
        if (!wasExhausted && CallDownStates.Of(list, attempts) == CallDownStates.Exhausted)
        {
            attempt.ExhaustedList = true;
            var calendar = await gate.CalendarAsync(db, ticket.ClientId, cancellationToken);
            var waitsUntil = AfterHoursGate.NextOpening(calendar, now);
            db.Record(ticket, actor, now, "call-down-exhausted", new { attempts = attempts.Count, waitsUntil });
            await bus.Publish(new CallDownExhausted(ticket.Id, ticket.ClientId, ticket.Number, ticket.ContactEmail, ticket.ContactName,
                attempts.Count, waitsUntil, now, actor.Subject) { Calls = Calls(attempts) }, cancellationToken);
        }
        if (attempt.Outcome == CallDownOutcomes.Reached) // the walk ends here (a second "reached" is refused above)
        {
            // The terms an approval would quote now (ApprovalEndpoints), for the written request to the person reached.
            var terms = await AfterHoursGate.TermsAsync(db, ticket.ClientId, await gate.CalendarAsync(db, ticket.ClientId, cancellationToken), now,
                cancellationToken);
            var quote = terms?.QuoteFor(ticket.Priority);
            await bus.Publish(new CallDownReached(ticket.Id, ticket.ClientId, ticket.Number, ticket.ContactEmail, ticket.ContactName, contact.Name,
                Calls(attempts), now, actor.Subject)
            {
                ReachedEmail = contact.Emails.FirstOrDefault(), QuotedRate = quote?.Rate, QuotedMinimum = quote?.Minimum, Currency = terms?.Currency,
            }, cancellationToken);
        }
        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        return TypedResults.Created($"/api/tickets/{ticket.Id}/call-down", View(ticket, list, attempts));
    }

    /// <summary>The client's call-down list in order, and the ticket's attempts, oldest first.</summary>
    private static async Task<(List<Contact> List, List<CallDownAttempt> Attempts)> WalkAsync(TicketsDbContext db, Ticket ticket,
        CancellationToken cancellationToken)
    {
        var list = await db.Contacts.AsNoTracking().Where(c => c.ClientId == ticket.ClientId && c.CallDownPosition != null)
            .OrderBy(c => c.CallDownPosition).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        var attempts = await db.CallDownAttempts.Where(a => a.TicketId == ticket.Id).OrderBy(a => a.At).ThenBy(a => a.Id)
            .ToListAsync(cancellationToken);
        return (list, attempts);
    }

    private static CallDownView View(Ticket ticket, List<Contact> list, List<CallDownAttempt> attempts) =>
        new(ticket.Id, CallDownStates.Of(list, attempts), [.. list.Select(ContactView)], [.. attempts.Select(AttemptView)],
            CallDownStates.Next(list, attempts) is { } next ? ContactView(next) : null);

    private static CallDownCall[] Calls(List<CallDownAttempt> attempts) =>
        [.. attempts.Select(a => new CallDownCall(a.ContactName, a.Number, a.Outcome, a.At))];

    private static CallDownContactView ContactView(Contact c) => new(c.Id, c.Name, c.CallDownPosition!.Value, [.. c.Phones]);

    private static CallDownAttemptView AttemptView(CallDownAttempt a) =>
        new(a.Id, a.ContactId, a.ContactName, a.Number, a.Outcome, a.Note, a.At, a.RecordedBy);
}
