using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Notify.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryLedger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "AssignedVersion",
                table: "ticket_contacts",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Assignee",
                table: "ticket_contacts",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "TeamId",
                table: "ticket_contacts",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TimeZone",
                table: "ticket_contacts",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "deliveries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TicketId = table.Column<Guid>(type: "uuid", nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    EventKey = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Channel = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Recipient = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: false),
                    RecipientName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    MessageId = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    InReplyTo = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    AutoSubmitted = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    Subject = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    Text = table.Column<string>(type: "text", nullable: false),
                    Html = table.Column<string>(type: "text", nullable: true),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Provider = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ProviderId = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    LastError = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    SentAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    DeliveredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    FailedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    NextAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deliveries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "delivery_reports",
                columns: table => new
                {
                    Key = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    DeliveryId = table.Column<Guid>(type: "uuid", nullable: true),
                    Raw = table.Column<string>(type: "text", nullable: false),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_delivery_reports", x => x.Key);
                });

            migrationBuilder.CreateIndex(
                name: "IX_deliveries_EventKey_Recipient_Channel",
                table: "deliveries",
                columns: new[] { "EventKey", "Recipient", "Channel" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_deliveries_ProviderId",
                table: "deliveries",
                column: "ProviderId");

            migrationBuilder.CreateIndex(
                name: "IX_deliveries_TicketId",
                table: "deliveries",
                column: "TicketId");

            migrationBuilder.CreateIndex(
                name: "IX_delivery_reports_DeliveryId",
                table: "delivery_reports",
                column: "DeliveryId");
            // Messages sent before the ledger existed become its first rows, so a republished event finds them and sends nothing.
            migrationBuilder.Sql("""
                INSERT INTO deliveries ("Id", "TicketId", "ClientId", "EventKey", "Kind", "Channel", "Recipient", "MessageId", "Subject", "Text",
                    "State", "Provider", "ProviderId", "Attempts", "CreatedAt", "UpdatedAt", "SentAt")
                SELECT gen_random_uuid(), a."TicketId", COALESCE(c."ClientId", '00000000-0000-0000-0000-000000000000'),
                    'acknowledgement:' || replace(a."TicketId"::text, '-', ''), 'acknowledgement', 'email', a."Recipient", a."MessageId", '', '',
                    'sent', 'EmailProvider', a."MessageId", 1, a."SentAt", a."SentAt", a."SentAt"
                FROM sent_acknowledgements a LEFT JOIN ticket_contacts c ON c."TicketId" = a."TicketId";
                INSERT INTO deliveries ("Id", "TicketId", "ClientId", "EventKey", "Kind", "Channel", "Recipient", "MessageId", "Subject", "Text",
                    "State", "Provider", "ProviderId", "Attempts", "CreatedAt", "UpdatedAt", "SentAt")
                SELECT gen_random_uuid(), r."TicketId", COALESCE(c."ClientId", '00000000-0000-0000-0000-000000000000'),
                    'reply:' || replace(r."ReplyId"::text, '-', ''), 'reply', 'email', r."Recipient", r."MessageId", '', '',
                    'sent', 'EmailProvider', r."MessageId", 1, r."SentAt", r."SentAt", r."SentAt"
                FROM sent_replies r LEFT JOIN ticket_contacts c ON c."TicketId" = r."TicketId";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deliveries");

            migrationBuilder.DropTable(
                name: "delivery_reports");

            migrationBuilder.DropColumn(
                name: "AssignedVersion",
                table: "ticket_contacts");

            migrationBuilder.DropColumn(
                name: "Assignee",
                table: "ticket_contacts");

            migrationBuilder.DropColumn(
                name: "TeamId",
                table: "ticket_contacts");

            migrationBuilder.DropColumn(
                name: "TimeZone",
                table: "ticket_contacts");
        }
    }
}
