using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Billing.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class Invoicing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Disposition",
                table: "time_entries",
                type: "character varying(20)",
                maxLength: 20,
                nullable: false,
                defaultValue: "None"); // entries recorded before billing had states

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "DispositionAt",
                table: "time_entries",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DispositionBy",
                table: "time_entries",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DispositionReason",
                table: "time_entries",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "InvoiceId",
                table: "time_entries",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "agreements",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    EffectiveFrom = table.Column<DateOnly>(type: "date", nullable: false),
                    EffectiveTo = table.Column<DateOnly>(type: "date", nullable: true),
                    NoticeDate = table.Column<DateOnly>(type: "date", nullable: true),
                    Tier = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    MonthlyFee = table.Column<decimal>(type: "numeric", nullable: false),
                    AfterHoursMultiplier = table.Column<decimal>(type: "numeric", nullable: false),
                    EmergencyMinimumCharge = table.Column<decimal>(type: "numeric", nullable: false),
                    RoundingIncrementMinutes = table.Column<int>(type: "integer", nullable: false),
                    RoundingScope = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    NonBillableWorkTypes = table.Column<List<string>>(type: "text[]", nullable: false),
                    AfterHoursApprovalRequired = table.Column<bool>(type: "boolean", nullable: false),
                    AfterHoursPreAuthorised = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Rates = table.Column<string>(type: "jsonb", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_agreements", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "approvals",
                columns: table => new
                {
                    ApprovalId = table.Column<Guid>(type: "uuid", nullable: false),
                    TicketId = table.Column<Guid>(type: "uuid", nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    ApproverContactId = table.Column<Guid>(type: "uuid", nullable: true),
                    ApproverName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Method = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    QuotedRate = table.Column<decimal>(type: "numeric", nullable: true),
                    Currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: true),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RecordedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_approvals", x => x.ApprovalId);
                });

            migrationBuilder.CreateTable(
                name: "calendars",
                columns: table => new
                {
                    CalendarId = table.Column<Guid>(type: "uuid", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    TimeZone = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Hours = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_calendars", x => x.CalendarId);
                });

            migrationBuilder.CreateTable(
                name: "clients",
                columns: table => new
                {
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Tier = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    CalendarId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_clients", x => x.ClientId);
                });

            migrationBuilder.CreateTable(
                name: "invoice_sequences",
                columns: table => new
                {
                    Series = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    Next = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invoice_sequences", x => x.Series);
                });

            migrationBuilder.CreateTable(
                name: "invoices",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Period = table.Column<string>(type: "character varying(7)", maxLength: 7, nullable: false),
                    Currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    Number = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    Total = table.Column<decimal>(type: "numeric", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    FinalisedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    FinalisedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    CreditsInvoiceId = table.Column<Guid>(type: "uuid", nullable: true),
                    CreditedBy = table.Column<Guid>(type: "uuid", nullable: true),
                    Reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invoices", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "invoice_lines",
                columns: table => new
                {
                    InvoiceId = table.Column<Guid>(type: "uuid", nullable: false),
                    LineNumber = table.Column<int>(type: "integer", nullable: false),
                    Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    TicketId = table.Column<Guid>(type: "uuid", nullable: true),
                    TicketNumber = table.Column<long>(type: "bigint", nullable: true),
                    TimeEntryId = table.Column<Guid>(type: "uuid", nullable: true),
                    Responder = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    WorkType = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    Hours = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    WorkDate = table.Column<DateOnly>(type: "date", nullable: true),
                    RawMinutes = table.Column<int>(type: "integer", nullable: false),
                    BilledMinutes = table.Column<int>(type: "integer", nullable: false),
                    Rate = table.Column<decimal>(type: "numeric", nullable: false),
                    Amount = table.Column<decimal>(type: "numeric", nullable: false),
                    AgreementVersion = table.Column<int>(type: "integer", nullable: false),
                    Description = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invoice_lines", x => new { x.InvoiceId, x.LineNumber });
                    table.ForeignKey(
                        name: "FK_invoice_lines_invoices_InvoiceId",
                        column: x => x.InvoiceId,
                        principalTable: "invoices",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                table: "invoice_sequences",
                columns: new[] { "Series", "Next" },
                values: new object[,]
                {
                    { "CN", 1L },
                    { "INV", 1L }
                });

            migrationBuilder.CreateIndex(
                name: "IX_time_entries_ClientId_StartedAt",
                table: "time_entries",
                columns: new[] { "ClientId", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_time_entries_InvoiceId",
                table: "time_entries",
                column: "InvoiceId");

            migrationBuilder.CreateIndex(
                name: "IX_agreements_ClientId_EffectiveFrom",
                table: "agreements",
                columns: new[] { "ClientId", "EffectiveFrom" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_agreements_ClientId_Version",
                table: "agreements",
                columns: new[] { "ClientId", "Version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_approvals_TicketId",
                table: "approvals",
                column: "TicketId");

            migrationBuilder.CreateIndex(
                name: "IX_invoice_lines_TimeEntryId",
                table: "invoice_lines",
                column: "TimeEntryId");

            migrationBuilder.CreateIndex(
                name: "IX_invoices_ClientId_Period",
                table: "invoices",
                columns: new[] { "ClientId", "Period" },
                unique: true,
                filter: "\"Status\" = 'Draft'");

            migrationBuilder.CreateIndex(
                name: "IX_invoices_Number",
                table: "invoices",
                column: "Number",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "agreements");

            migrationBuilder.DropTable(
                name: "approvals");

            migrationBuilder.DropTable(
                name: "calendars");

            migrationBuilder.DropTable(
                name: "clients");

            migrationBuilder.DropTable(
                name: "invoice_lines");

            migrationBuilder.DropTable(
                name: "invoice_sequences");

            migrationBuilder.DropTable(
                name: "invoices");

            migrationBuilder.DropIndex(
                name: "IX_time_entries_ClientId_StartedAt",
                table: "time_entries");

            migrationBuilder.DropIndex(
                name: "IX_time_entries_InvoiceId",
                table: "time_entries");

            migrationBuilder.DropColumn(
                name: "Disposition",
                table: "time_entries");

            migrationBuilder.DropColumn(
                name: "DispositionAt",
                table: "time_entries");

            migrationBuilder.DropColumn(
                name: "DispositionBy",
                table: "time_entries");

            migrationBuilder.DropColumn(
                name: "DispositionReason",
                table: "time_entries");

            migrationBuilder.DropColumn(
                name: "InvoiceId",
                table: "time_entries");
        }
    }
}
