using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Intake.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class Channels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "ExternalId",
                table: "service_requests",
                type: "character varying(300)",
                maxLength: 300,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(200)",
                oldMaxLength: 200,
                oldNullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ContactId",
                table: "service_requests",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ContactPhone",
                table: "service_requests",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DescriptionHtml",
                table: "service_requests",
                type: "character varying(100000)",
                maxLength: 100000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EnteredBy",
                table: "service_requests",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Fingerprint",
                table: "service_requests",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "InReplyTo",
                table: "service_requests",
                type: "character varying(300)",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "RawPayloadId",
                table: "service_requests",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string[]>(
                name: "References",
                table: "service_requests",
                type: "text[]",
                nullable: false,
                defaultValue: new string[0]);

            migrationBuilder.AddColumn<Guid>(
                name: "ThreadTicketId",
                table: "service_requests",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ThreadTicketNumber",
                table: "service_requests",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Active",
                table: "clients",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "Revision",
                table: "clients",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "attachments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    RequestId = table.Column<Guid>(type: "uuid", nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    FileName = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    ContentType = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ContentId = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    Size = table.Column<long>(type: "bigint", nullable: false),
                    Content = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_attachments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "contacts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Emails = table.Column<string[]>(type: "text[]", nullable: false),
                    Phones = table.Column<string[]>(type: "text[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_contacts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "raw_payloads",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Channel = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    ContentType = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Source = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Content = table.Column<byte[]>(type: "bytea", nullable: false),
                    Outcome = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    ResultId = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_raw_payloads", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "triage_items",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Channel = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    ExternalId = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    SenderEmail = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: true),
                    SenderPhone = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    SenderName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Subject = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Description = table.Column<string>(type: "character varying(20000)", maxLength: 20000, nullable: false),
                    RawPayloadId = table.Column<Guid>(type: "uuid", nullable: true),
                    Reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    RequestId = table.Column<Guid>(type: "uuid", nullable: true),
                    ResolvedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ResolvedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Resolution = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_triage_items", x => x.Id);
                });

            migrationBuilder.UpdateData(
                table: "clients",
                keyColumn: "Id",
                keyValue: new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"),
                columns: new[] { "Active", "Revision" },
                values: new object[] { true, 0 });

            migrationBuilder.CreateIndex(
                name: "IX_attachments_RequestId",
                table: "attachments",
                column: "RequestId");

            migrationBuilder.CreateIndex(
                name: "IX_contacts_ClientId",
                table: "contacts",
                column: "ClientId");

            migrationBuilder.CreateIndex(
                name: "IX_contacts_Emails",
                table: "contacts",
                column: "Emails")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "IX_contacts_Phones",
                table: "contacts",
                column: "Phones")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "IX_raw_payloads_Outcome",
                table: "raw_payloads",
                column: "Outcome",
                filter: "\"Outcome\" IN ('Received', 'Quarantined')");

            migrationBuilder.CreateIndex(
                name: "IX_triage_items_Channel_ExternalId",
                table: "triage_items",
                columns: new[] { "Channel", "ExternalId" },
                unique: true,
                filter: "\"ExternalId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_triage_items_ReceivedAt",
                table: "triage_items",
                column: "ReceivedAt",
                filter: "\"ResolvedAt\" IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "attachments");

            migrationBuilder.DropTable(
                name: "contacts");

            migrationBuilder.DropTable(
                name: "raw_payloads");

            migrationBuilder.DropTable(
                name: "triage_items");

            migrationBuilder.DropColumn(
                name: "ContactId",
                table: "service_requests");

            migrationBuilder.DropColumn(
                name: "ContactPhone",
                table: "service_requests");

            migrationBuilder.DropColumn(
                name: "DescriptionHtml",
                table: "service_requests");

            migrationBuilder.DropColumn(
                name: "EnteredBy",
                table: "service_requests");

            migrationBuilder.DropColumn(
                name: "Fingerprint",
                table: "service_requests");

            migrationBuilder.DropColumn(
                name: "InReplyTo",
                table: "service_requests");

            migrationBuilder.DropColumn(
                name: "RawPayloadId",
                table: "service_requests");

            migrationBuilder.DropColumn(
                name: "References",
                table: "service_requests");

            migrationBuilder.DropColumn(
                name: "ThreadTicketId",
                table: "service_requests");

            migrationBuilder.DropColumn(
                name: "ThreadTicketNumber",
                table: "service_requests");

            migrationBuilder.DropColumn(
                name: "Active",
                table: "clients");

            migrationBuilder.DropColumn(
                name: "Revision",
                table: "clients");

            migrationBuilder.AlterColumn<string>(
                name: "ExternalId",
                table: "service_requests",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(300)",
                oldMaxLength: 300,
                oldNullable: true);
        }
    }
}
