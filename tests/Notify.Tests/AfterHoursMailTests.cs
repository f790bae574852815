using Notify.Api.Domain;
using Tickets.Contracts;

namespace Notify.Tests;

/// <summary>The night emergency's mail (docs/adr/0039): the call-down walk's summary (reached or exhausted) and the approval's written confirmation.</summary>
[Collection(NotifyCollection.Name)]
public sealed class AfterHoursMailTests(NotifyFixture notify)
{
    private static readonly DateTimeOffset Night = new(2026, 12, 8, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Exhausted_call_down_list_emails_the_client_once_whatever_arrives_twice()
    {
        var ticket = await notify.OpenTicketAsync(3101, priority: "P1");
        var waitsUntil = new DateTimeOffset(2026, 12, 8, 13, 0, 0, TimeSpan.Zero);
        var exhausted = new CallDownExhausted(ticket.TicketId, ticket.ClientId, ticket.Number, ticket.ContactEmail, ticket.ContactName, 2,
            waitsUntil, DateTimeOffset.UtcNow, "olga")
        {
            Calls = [new("Sam Ortiz", "+15550101001", "no-answer", Night), new("Dana Reyes", "+15550101002", "voicemail", Night.AddMinutes(4))],
        };

        var first = await notify.PublishAsync(exhausted);
        await notify.ConsumedAsync(first);
        await notify.ConsumedAsync(await notify.PublishAsync(exhausted, first)); // redelivered
        await notify.ConsumedAsync(await notify.PublishAsync(exhausted)); // a copy with a new MessageId

        var mail = Assert.Single(notify.MailsTo(ticket.ContactEmail),
            m => m.Subject?.StartsWith("[SD#3101] We could not reach anyone", StringComparison.Ordinal) == true);
        Assert.Contains("reached nobody", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Tuesday 8 December 2026, 13:00", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Tuesday 8 December 2026, 03:04 (Etc/UTC): Dana Reyes, +15550101002: voicemail left with our service number",
            mail.TextBody, StringComparison.Ordinal);
        var row = Assert.Single(await notify.DeliveriesAsync(ticket.TicketId), d => d.Kind == MessageKind.CallDownExhausted);
        Assert.Equal(DeliveryState.Sent, row.State);
    }

    [Fact]
    public async Task Reached_call_down_contact_is_summed_up_to_the_client_once_with_every_call()
    {
        var ticket = await notify.OpenTicketAsync(3111, priority: "P1");
        var reached = new CallDownReached(ticket.TicketId, ticket.ClientId, ticket.Number, ticket.ContactEmail, ticket.ContactName, "Sam Ortiz",
            [new("Dana Reyes", "+15550101002", "busy", Night), new("Sam Ortiz", "+15550101001", "reached", Night.AddMinutes(5))],
            Night.AddMinutes(5), "olga") { ReachedEmail = "sam.3111@acme-dental.example", QuotedRate = 180m, QuotedMinimum = 250m, Currency = "USD" };

        var first = await notify.PublishAsync(reached);
        await notify.ConsumedAsync(first);
        await notify.ConsumedAsync(await notify.PublishAsync(reached, first)); // redelivered
        await notify.ConsumedAsync(await notify.PublishAsync(reached)); // a copy with a new MessageId

        var mail = Assert.Single(notify.MailsTo(ticket.ContactEmail), m => m.Subject == "[SD#3111] We reached Sam Ortiz about: " + ticket.Subject);
        Assert.Contains("and reached Sam Ortiz on Tuesday 8 December 2026, 03:05 (Etc/UTC).", mail.TextBody, StringComparison.Ordinal);
        var calls = mail.TextBody!.Split('\n').SkipWhile(l => l != "The calls we made:").Where(l => l.StartsWith("Tuesday", StringComparison.Ordinal));
        Assert.Equal(["Tuesday 8 December 2026, 03:00 (Etc/UTC): Dana Reyes, +15550101002: busy",
            "Tuesday 8 December 2026, 03:05 (Etc/UTC): Sam Ortiz, +15550101001: reached"], calls);
        Assert.Contains("Sam Ortiz decides with our technician", mail.TextBody, StringComparison.Ordinal);
        Assert.Single(await notify.DeliveriesAsync(ticket.TicketId), d => d.Kind == MessageKind.CallDownReached);

        // Sam, reached, is asked in writing too, with the terms on the phone: once.
        var request = Assert.Single(notify.MailsTo("sam.3111@acme-dental.example"));
        Assert.Equal("[SD#3111] Your approval is needed for after-hours work: " + ticket.Subject, request.Subject);
        Assert.Contains("It is billed at 180.00 USD per hour, with a minimum charge of 250.00 USD.", request.TextBody, StringComparison.Ordinal);
        Assert.Contains("reply to this email saying so", request.TextBody, StringComparison.Ordinal);
        Assert.Single(await notify.DeliveriesAsync(ticket.TicketId), d => d.Kind == MessageKind.ApprovalRequest);
    }

    [Fact]
    public async Task Approver_who_asked_for_it_gets_one_written_confirmation_with_the_quoted_terms()
    {
        var ticket = await notify.OpenTicketAsync(3102, priority: "P1");
        const string approver = "sam.3102@acme-dental.example";
        var approved = new AfterHoursWorkApproved(Guid.NewGuid(), ticket.TicketId, ticket.ClientId, Guid.NewGuid(), "Sam Ortiz", "phone", 180m, "USD",
            DateTimeOffset.UtcNow, "olga")
        {
            AgreementVersion = 2, QuotedMinimum = 250m, CapHours = 2m, ApproverAuthorised = true, OnSiteRequired = true, RepresentativePresent = true,
            SendConfirmation = true, ApproverEmail = approver, TicketNumber = ticket.Number, Priority = "P1",
        };

        await notify.ConsumedAsync(await notify.PublishAsync(approved));
        await notify.ConsumedAsync(await notify.PublishAsync(approved)); // a copy
        await notify.ConsumedAsync(await notify.PublishAsync(approved with { ApprovalId = Guid.NewGuid(), SendConfirmation = false }));

        var mail = Assert.Single(notify.MailsTo(approver));
        Assert.Contains("180.00 USD per hour, with a minimum charge of 250.00 USD, for at most 2 hours.", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("will be there to let them in", mail.TextBody, StringComparison.Ordinal);
        Assert.Single(await notify.DeliveriesAsync(ticket.TicketId), d => d.Kind == MessageKind.ApprovalConfirmation);
    }
}
