using System.Text;
using Intake.Api.Email;
using MimeKit;

namespace Intake.Tests.Email;

/// <summary>
/// The email channel's parser against a corpus of hand-written messages shaped like what real clients and servers
/// send (tests/Intake.Tests/Mime). No infrastructure: run with --filter "FullyQualifiedName~MailParser".
/// </summary>
public sealed class MailParserTests
{
    private static ParsedMail Parse(string file, MailLimits? limits = null)
    {
        var result = ParseResult(file, limits);
        Assert.True(result.IsAccepted, $"{file} was rejected: {result.Rejection?.Code} {result.Rejection?.Message}");
        return result.Mail;
    }

    private static MailParseResult ParseResult(string file, MailLimits? limits = null)
    {
        using var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Mime", file));
        return MailParser.Parse(stream, limits ?? MailLimits.Default);
    }

    private static MailParseResult ParseRaw(string raw) =>
        MailParser.Parse(new MemoryStream(Encoding.UTF8.GetBytes(raw.ReplaceLineEndings("\r\n"))), MailLimits.Default);

    [Fact]
    public void Multipart_alternative_gives_text_and_html_and_all_addresses()
    {
        var mail = Parse("multipart-alternative.eml");

        Assert.Equal("8f3c2a1e-5b7d-4e2a-9c1f-2d6e0a7b9f31@northwind-dental.example", mail.MessageId);
        Assert.Equal(new EmailAddress("maria.lopez@northwind-dental.example", "Maria Lopez"), mail.From);
        Assert.Equal(new EmailAddress("frontdesk@northwind-dental.example", "Front Desk"), mail.ReplyTo);
        Assert.Equal([new("support@msp.example", "MSP Support"), new("dave.oncall@msp.example", "Oncall, Dave")], mail.To);
        Assert.Equal([new EmailAddress("office.manager@northwind-dental.example", null)], mail.Cc);
        Assert.Equal("Front desk PC cannot reach the imaging server", mail.Subject);
        Assert.Equal(new DateTimeOffset(2025, 1, 14, 9, 12, 40, TimeSpan.FromHours(-5)), mail.Date);
        const string text = "Hi,\n\nSince this morning the front desk PC (FD-02) cannot open X-rays from the\n"
                            + "imaging server. The other PCs work.\n\nThanks,\nMaria";
        Assert.Equal(text, mail.TextBody);
        Assert.Equal(text, mail.NewText);
        Assert.False(mail.TextTruncated);
        Assert.NotNull(mail.HtmlBody);
        Assert.Contains("<b>FD-02</b>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Empty(mail.Attachments);
        Assert.Empty(mail.DroppedAttachments);
        Assert.Null(mail.Thread.TicketNumber);
        Assert.Null(mail.Thread.InReplyTo);
        Assert.Empty(mail.Thread.References);
        Assert.Equal(MailKind.Normal, mail.Kind);
        Assert.Null(mail.KindReason);
    }

    [Fact]
    public void Html_only_reply_is_rendered_as_text_and_cut_at_the_outlook_web_separator()
    {
        var mail = Parse("html-only-owa-reply.eml");

        Assert.Equal("RE: Projector in boardroom shows \"No signal\"", mail.Subject);
        Assert.Equal(new EmailAddress("p.devries@contoso-av.example", "Pieter de Vries"), mail.From);
        Assert.Equal("20250115140211.77AB3@mail.msp.example", mail.Thread.InReplyTo);
        Assert.Equal(new DateTimeOffset(2025, 1, 15, 15, 3, 7, TimeSpan.Zero), mail.Date);
        const string written = "Hello,\n\nWe tried both HDMI inputs & the \"Auto source\" option:\n"
                               + "- HDMI 1 \u2013 no signal\n- HDMI 2 \u2013 no signal\n"
                               + "Café meeting starts at 14:00 <urgent>.";
        Assert.Equal(written + "\n________________________________\n"
                     + "From: MSP Support <support@msp.example>\n"
                     + "Sent: Wednesday, January 15, 2025 3:02 PM\n"
                     + "To: Pieter de Vries <p.devries@contoso-av.example>\n"
                     + "Subject: Projector in boardroom shows \"No signal\"\n"
                     + "Did you try the other HDMI input?", mail.TextBody);
        Assert.Equal(written, mail.NewText);
        Assert.NotNull(mail.HtmlBody);
        Assert.StartsWith("<html><head>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(MailKind.Normal, mail.Kind);
    }

    [Fact]
    public void Forward_as_attachment_keeps_the_forwarded_message_whole_as_an_eml_attachment()
    {
        var mail = Parse("forward-attached.eml");

        Assert.Equal("Fwd: Your mailbox is almost full", mail.Subject);
        Assert.Equal("Is this real? It came in overnight. I did not click anything.", mail.TextBody);
        Assert.Equal(mail.TextBody, mail.NewText);
        var forwarded = Assert.Single(mail.Attachments);
        Assert.Equal("Your mailbox is almost full.eml", forwarded.FileName);
        Assert.Equal("message/rfc822", forwarded.ContentType);
        Assert.False(forwarded.IsInline);
        Assert.Null(forwarded.ContentId);
        Assert.Equal(forwarded.Content.Length, forwarded.Size);
        var inner = MimeMessage.Load(new MemoryStream(forwarded.Content));
        Assert.Equal("Your mailbox is almost full", inner.Subject);
        Assert.Equal("noreply@mailbox-quota.example", inner.From.Mailboxes.Single().Address);
        Assert.Equal("0a1b2c3d4e5f@mailbox-quota.example", inner.MessageId);
    }

    [Fact]
    public void Inline_forward_keeps_the_forwarded_text_because_it_is_the_request()
    {
        var mail = Parse("forward-inline.eml");

        const string text = "Can you look at this? Third night in a row.\n\n"
                            + "---------- Forwarded message ---------\n"
                            + "From: NAS-01 <nas-01@tailspin-clinic.example>\n"
                            + "Date: Fri, 17 Jan 2025 at 02:00\n"
                            + "Subject: Backup job failed: NAS-01 nightly\n"
                            + "To: <olivia.chen@tailspin-clinic.example>\n\n\n"
                            + "Backup task \"nightly\" failed: destination volume is full.";
        Assert.Equal(text, mail.TextBody);
        Assert.Equal(text, mail.NewText);
        Assert.Equal("CAF8xq2Vb7oQ1nR+Zt0kYw3pHq_7cX=Lm9s4uTgA1eB2dC3fG@mail.gmail.example", mail.MessageId);
    }

    [Fact]
    public void Outlook_reply_is_cut_at_the_from_sent_header_block_and_is_not_an_auto_reply()
    {
        var mail = Parse("outlook-reply.eml");

        Assert.Equal("6b1e0d8c9f3a4b2e8d7c5a4f3e2d1c0b@EXCH01.woodgrove-logistics.example", mail.MessageId);
        Assert.Equal(new EmailAddress("karin.schmidt@woodgrove-logistics.example", "Schmidt, Karin"), mail.From);
        Assert.Equal([new EmailAddress("lukas.weber@woodgrove-logistics.example", "Weber, Lukas")], mail.Cc);
        Assert.Equal("Hi,\n\nIt is scanner WH-SC-07. It shows \"Authentication failed\" since the password change on Friday.\n\n"
                     + "Regards\nKarin Schmidt\nWoodgrove Logistics", mail.NewText);
        Assert.EndsWith("Which scanner is it? The asset tag is on the back.", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal("20250120093015.4F2A1@mail.msp.example", mail.Thread.InReplyTo);
        Assert.Equal(["20250120093015.4F2A1@mail.msp.example"], mail.Thread.References);
        Assert.Null(mail.Thread.TicketNumber);
        // X-Auto-Response-Suppress: All is on this ordinary reply: it must not make it an auto-reply.
        Assert.Equal(MailKind.Normal, mail.Kind);
    }

    [Fact]
    public void Gmail_reply_is_cut_at_the_wrapped_on_date_wrote_line()
    {
        var mail = Parse("gmail-reply.eml");

        Assert.Equal("Yes, I tried another charger from the office. Same thing, the light stays off.", mail.NewText);
        Assert.Equal("Yes, I tried another charger from the office. Same thing, the light stays off.\n\n"
                     + "On Tue, 21 Jan 2025 at 08:15, MSP Support <support@msp.example>\nwrote:\n\n"
                     + "> Hello Sam,\n>\n> Have you tried a different charger?\n>\n> > Laptop will not charge since yesterday.",
            mail.TextBody);
        Assert.Equal("Re: Laptop will not charge", mail.Subject);
        Assert.Equal("20250121081500.3C9D2@mail.msp.example", mail.Thread.InReplyTo);
    }

    [Fact]
    public void Reply_to_a_ticket_carries_the_ticket_number_and_the_reference_chain()
    {
        var mail = Parse("ticket-reply.eml");

        // The first bracketed token wins, in any case; the later [SD#99] is ignored.
        Assert.Equal(1234, mail.Thread.TicketNumber);
        Assert.Equal("sd-1234-update.2@msp.example", mail.Thread.InReplyTo);
        Assert.Equal(["sd-1234-opened@msp.example", "sd-1234-ack.1@msp.example", "sd-1234-update.2@msp.example"],
            mail.Thread.References);
        Assert.Equal("000801db6d0f$2a4b3c50$7ee1b4f0$@adatum-accounting.example", mail.MessageId);
        Assert.Equal("The update fixed it, you can close the ticket.\n\nHanh", mail.NewText);
        Assert.Equal(new EmailAddress("hvu@adatum-accounting.example", "Hanh Vu"), mail.From);
        Assert.Equal([new EmailAddress("support@msp.example", null)], mail.To);
    }

    [Theory]
    [InlineData("Re: SD#1234 printer", null)]
    [InlineData("Re: [SD 1234] printer", null)]
    [InlineData("Re: [SD#] printer", null)]
    [InlineData("Re: [SD#99999999999999999999] printer", null)]
    [InlineData("AW: [Sd#7] Drucker", 7L)]
    public void Only_the_bracketed_subject_token_is_a_ticket_number(string subject, long? expected)
    {
        var result = ParseRaw($"From: a@client.example\nSubject: {subject}\n\nbody\n");

        Assert.True(result.IsAccepted);
        Assert.Equal(expected, result.Mail.Thread.TicketNumber);
    }

    [Fact]
    public void Iso_8859_1_quoted_printable_body_and_encoded_word_headers_are_decoded()
    {
        var mail = Parse("iso-8859-1-qp.eml");

        Assert.Equal(new EmailAddress("j.mueller@buero-mueller.example", "Jürgen Müller"), mail.From);
        Assert.Equal("Drucker funktioniert nicht über WLAN", mail.Subject);
        Assert.Equal("Guten Morgen,\n\nder Drucker im Büro (2. Stock) druckt seit gestern nicht mehr über WLAN. Per USB geht es.\n\n"
                     + "Grüße\nJürgen Müller", mail.TextBody);
    }

    [Fact]
    public void Windows_1252_body_and_subject_are_decoded()
    {
        var mail = Parse("windows-1252.eml");

        Assert.Equal("Invoice query \u2013 \u20ac120 charge", mail.Subject);
        Assert.Equal("Hello,\n\nWhat is the \u201cafter-hours\u201d charge of \u20ac120 on invoice 2025\u201301 for?\n\nThanks", mail.TextBody);
    }

    [Fact]
    public void Iso_2022_jp_body_subject_and_name_are_decoded()
    {
        var mail = Parse("iso-2022-jp.eml");

        Assert.Equal(new EmailAddress("t.yamada@kojima-shoji.example", "山田太郎"), mail.From);
        Assert.Equal("プリンターの故障", mail.Subject);
        Assert.Equal("プリンターが印刷できません。\n至急対応をお願いします。\n\n山田太郎", mail.TextBody);
    }

    [Fact]
    public void Koi8_r_body_subject_and_name_are_decoded()
    {
        var mail = Parse("koi8-r.eml");

        Assert.Equal(new EmailAddress("i.petrov@vektor-trade.example", "Иван Петров"), mail.From);
        Assert.Equal("Не работает почта", mail.Subject);
        Assert.Equal("Здравствуйте,\nпочта не работает с утра.", mail.TextBody);
    }

    [Fact]
    public void Inline_image_and_pdf_are_attachments_with_content_id_and_decoded_bytes()
    {
        var mail = Parse("inline-image-and-pdf.eml");

        Assert.Equal("The plotter shows this error:\n\n[image: error.png]\n\nThe quote for the new one is attached.", mail.TextBody);
        Assert.Contains("cid:error-screen@proseware", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Collection(mail.Attachments,
            image =>
            {
                Assert.Equal("error.png", image.FileName);
                Assert.Equal("image/png", image.ContentType);
                Assert.Equal(69, image.Size);
                Assert.Equal(69, image.Content.Length);
                Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], image.Content[..4]);
                Assert.Equal("error-screen@proseware", image.ContentId);
                Assert.True(image.IsInline);
            },
            pdf =>
            {
                // RFC 2231 filename* wins over the name parameter.
                Assert.Equal("Quote \u21162291.pdf", pdf.FileName);
                Assert.Equal("application/pdf", pdf.ContentType);
                Assert.Equal(125, pdf.Size);
                Assert.Equal("%PDF-1.4", Encoding.ASCII.GetString(pdf.Content, 0, 8));
                Assert.Null(pdf.ContentId);
                Assert.False(pdf.IsInline);
            });
        Assert.Empty(mail.DroppedAttachments);
    }

    [Fact]
    public void Attachments_over_the_count_limit_are_dropped_and_listed()
    {
        var mail = Parse("inline-image-and-pdf.eml", new MailLimits { MaxAttachments = 1 });

        Assert.Equal("error.png", Assert.Single(mail.Attachments).FileName);
        Assert.Equal([new DroppedAttachment("Quote \u21162291.pdf", "application/pdf", 125, AttachmentDropReason.TooMany)],
            mail.DroppedAttachments);
    }

    [Fact]
    public void Attachment_over_the_size_limit_is_dropped_and_listed_and_the_message_is_kept()
    {
        var mail = Parse("large-attachment.eml", new MailLimits { MaxAttachmentBytes = 1024 });

        Assert.Equal("Crash dump and event log attached.", mail.TextBody);
        Assert.Equal([new DroppedAttachment("MEMORY.DMP", "application/octet-stream", 3072, AttachmentDropReason.TooLarge)],
            mail.DroppedAttachments);
        var kept = Assert.Single(mail.Attachments);
        Assert.Equal("events.txt", kept.FileName);
        Assert.Equal("text/plain", kept.ContentType);
        Assert.Equal("Event 41 Kernel-Power", Encoding.ASCII.GetString(kept.Content));
        Assert.Equal(21, kept.Size);
    }

    [Fact]
    public void Attachment_within_the_default_limit_is_kept_byte_for_byte()
    {
        var mail = Parse("large-attachment.eml");

        var dump = mail.Attachments[0];
        Assert.Equal("MEMORY.DMP", dump.FileName);
        Assert.Equal(3072, dump.Size);
        Assert.Equal(Enumerable.Range(0, 3072).Select(i => (byte)(i % 256)).ToArray(), dump.Content);
        Assert.Empty(mail.DroppedAttachments);
    }

    [Fact]
    public void Delivery_status_notification_is_a_bounce()
    {
        var mail = Parse("dsn-bounce.eml");

        Assert.Equal(MailKind.Bounce, mail.Kind);
        Assert.Equal("Content-Type: multipart/report; report-type=delivery-status", mail.KindReason);
        Assert.Equal(new EmailAddress("MAILER-DAEMON@mx1.servicedesk.example", "Mail Delivery System"), mail.From);
        Assert.StartsWith("This is the mail system at host mx1.servicedesk.example.", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal(["message/delivery-status", "text/rfc822-headers"], mail.Attachments.Select(a => a.ContentType));
    }

    [Fact]
    public void Mailer_daemon_with_null_return_path_is_a_bounce_without_a_report()
    {
        var result = ParseRaw("Return-Path: <>\nFrom: MAILER-DAEMON@mail.client.example\nSubject: failure notice\n\n"
                              + "Hi. This is the qmail-send program. I'm afraid I wasn't able to deliver your message.\n");

        Assert.True(result.IsAccepted);
        Assert.Equal(MailKind.Bounce, result.Mail.Kind);
        Assert.Equal("From: MAILER-DAEMON@mail.client.example with Return-Path: <>", result.Mail.KindReason);
    }

    [Fact]
    public void Out_of_office_is_an_auto_reply_and_still_names_the_ticket()
    {
        var mail = Parse("out-of-office.eml");

        Assert.Equal(MailKind.AutoReply, mail.Kind);
        Assert.Equal("Auto-Submitted: auto-replied", mail.KindReason);
        Assert.Equal(1301, mail.Thread.TicketNumber);
        Assert.Equal("Automatic reply: [SD#1301] Warehouse scanner will not connect to Wi-Fi", mail.Subject);
    }

    [Theory]
    [InlineData("Auto-Submitted: auto-generated", "Subject: hello", MailKind.AutoReply, "Auto-Submitted: auto-generated")]
    [InlineData("Auto-Submitted: no", "Subject: hello", MailKind.Normal, null)]
    [InlineData("X-Autoreply: yes", "Subject: hello", MailKind.AutoReply, "X-Autoreply")]
    [InlineData("X-Autorespond: Thanks for your mail", "Subject: hello", MailKind.AutoReply, "X-Autorespond")]
    [InlineData("Precedence: auto_reply", "Subject: hello", MailKind.AutoReply, "Precedence: auto_reply")]
    [InlineData("Precedence: bulk", "Subject: hello", MailKind.MailingList, "Precedence: bulk")]
    [InlineData("Precedence: junk", "Subject: hello", MailKind.MailingList, "Precedence: junk")]
    [InlineData("List-Unsubscribe: <mailto:leave@news.example>", "Subject: hello", MailKind.MailingList, "List-Unsubscribe")]
    [InlineData("Return-Path: <>", "Subject: hello", MailKind.AutoReply, "Return-Path: <>")]
    [InlineData("X-Mailer: Outlook", "Subject: Automatic reply: hello", MailKind.AutoReply, "Subject: Automatic reply:")]
    [InlineData("X-Mailer: Outlook", "Subject: Out of office next week, please fix my laptop first", MailKind.Normal, null)]
    [InlineData("X-Auto-Response-Suppress: All", "Subject: hello", MailKind.Normal, null)]
    public void Classification_names_the_header_that_decided(string header, string subject, MailKind kind, string? reason)
    {
        var result = ParseRaw($"From: someone@client.example\n{header}\n{subject}\n\nbody\n");

        Assert.True(result.IsAccepted);
        Assert.Equal(kind, result.Mail.Kind);
        Assert.Equal(reason, result.Mail.KindReason);
    }

    [Fact]
    public void Mailing_list_message_is_classified_by_list_id()
    {
        var mail = Parse("mailing-list.eml");

        Assert.Equal(MailKind.MailingList, mail.Kind);
        Assert.Equal("List-Id", mail.KindReason);
        Assert.Equal(new EmailAddress("greg@hollis-it.example", "Greg Hollis"), mail.From);
    }

    [Fact]
    public void Message_without_message_id_date_or_subject_is_accepted_with_defaults()
    {
        var mail = Parse("no-message-id.eml");

        Assert.Null(mail.MessageId);
        Assert.Null(mail.Date);
        Assert.Equal("(no subject)", mail.Subject);
        Assert.Equal("Scanned from MFP-2F. Toner low (5%).", mail.TextBody);
        Assert.Equal(new EmailAddress("scanner@fourthcoffee.example", "MFP-2F"), mail.From);
    }

    [Fact]
    public void Message_without_from_or_sender_is_rejected()
    {
        var result = ParseResult("no-from.eml");

        Assert.False(result.IsAccepted);
        Assert.Equal(MailRejectionCodes.NoSender, result.Rejection.Code);
        Assert.Equal("The message has no sender address (neither From nor Sender), so there is nobody to answer.",
            result.Rejection.Message);
    }

    [Fact]
    public void Sender_is_used_when_from_has_no_mailbox()
    {
        var mail = Parse("sender-only.eml");

        Assert.Equal(new EmailAddress("bot@fourthcoffee.example", "Ticket Bot"), mail.From);
    }

    [Fact]
    public void Malformed_message_is_read_leniently()
    {
        var mail = Parse("malformed.eml");

        Assert.Equal(new EmailAddress("broken@example-client.example", "Broken Client"), mail.From);
        Assert.Equal("Phones are down", mail.Subject);
        // The undeclared boundary is just text of the first part; the unclosed outer boundary ends at the end of input.
        Assert.Equal("All desk phones show \"No service\" since 9:00.\n--inner-never-declared\n"
                     + "Content-Type: text/plain\n\nstill the first part's text", mail.TextBody);
        var log = Assert.Single(mail.Attachments);
        Assert.Equal("log.bin", log.FileName);
        Assert.Equal("Hello world", Encoding.ASCII.GetString(log.Content[..11]));
    }

    [Theory]
    [InlineData("", "The message is empty.")]
    [InlineData("\r\n\r\n", "The message has no headers: it is not an email.")]
    [InlineData("Hello, my printer is broken.\r\nPlease help.\r\n", "The message is not a readable email: Failed to parse message headers.")]
    [InlineData("\u0089PNG\r\n\u001a\n\0\0\0\rIHDR", "The message is not a readable email: Failed to parse message headers.")]
    public void Input_that_is_not_an_email_is_rejected_as_malformed(string raw, string message)
    {
        var result = MailParser.Parse(new MemoryStream(Encoding.Latin1.GetBytes(raw)), MailLimits.Default);

        Assert.False(result.IsAccepted);
        Assert.Equal(MailRejectionCodes.Malformed, result.Rejection.Code);
        Assert.Equal(message, result.Rejection.Message);
    }

    [Fact]
    public void Oversized_message_is_rejected_after_reading_at_most_the_limit_plus_one_byte()
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Mime", "large-attachment.eml"));
        var stream = new NonSeekableStream(bytes);

        var result = MailParser.Parse(stream, new MailLimits { MaxMessageBytes = 1000 });

        Assert.False(result.IsAccepted);
        Assert.Equal(MailRejectionCodes.TooLarge, result.Rejection.Code);
        Assert.Equal(1001, stream.BytesRead);
    }

    [Fact]
    public void Oversized_seekable_message_is_rejected_without_reading()
    {
        using var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Mime", "large-attachment.eml"));

        var result = MailParser.Parse(stream, new MailLimits { MaxMessageBytes = 4096 });

        Assert.Equal(MailRejectionCodes.TooLarge, result.Rejection?.Code);
        Assert.Equal(0, stream.Position);
    }

    [Fact]
    public void Long_text_is_cut_to_the_description_limit()
    {
        var mail = Parse("multipart-alternative.eml", new MailLimits { MaxTextChars = 20 });

        Assert.Equal("Hi,\n\nSince this morn", mail.TextBody);
        Assert.Equal("Hi,\n\nSince this morn", mail.NewText);
        Assert.True(mail.TextTruncated);
    }

    [Fact]
    public void Text_is_not_cut_inside_a_surrogate_pair()
    {
        var result = MailParser.Parse(new MemoryStream(Encoding.UTF8.GetBytes("From: a@client.example\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nab\U0001F525cd\r\n")),
            new MailLimits { MaxTextChars = 3 });

        Assert.True(result.IsAccepted);
        Assert.Equal("ab", result.Mail.TextBody);
        Assert.True(result.Mail.TextTruncated);
    }

    [Fact]
    public void Attachment_names_lose_paths_and_control_characters()
    {
        var result = ParseRaw("""
            From: a@client.example
            Subject: names
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/plain

            see attached
            --b
            Content-Type: text/plain
            Content-Disposition: attachment; filename*=utf-8''..%2F..%2Fetc%2Fpa%07ss%0Awd.txt

            x
            --b
            Content-Type: application/pdf
            Content-Disposition: attachment; filename="C:\\Users\\anna\\report?.pdf"

            x
            --b
            Content-Type: image/png
            Content-Disposition: attachment; filename=".."

            x
            --b--
            """);

        Assert.True(result.IsAccepted);
        Assert.Equal(["passwd.txt", "report_.pdf", "attachment-3.png"], result.Mail.Attachments.Select(a => a.FileName));
    }

    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream inner = new(data);
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
