using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Sla.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class TicketSlaSaga : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "sla_ledger");

            migrationBuilder.DropTable(
                name: "sla_clocks");

            migrationBuilder.CreateTable(
                name: "ticket_sla",
                columns: table => new
                {
                    CorrelationId = table.Column<Guid>(type: "uuid", nullable: false),
                    CurrentState = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Tier = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Priority = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    EnteredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Clock = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    NextEscalationAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    EscalationScheduledAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    EscalationToken = table.Column<Guid>(type: "uuid", nullable: true),
                    Ledger = table.Column<string>(type: "jsonb", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ticket_sla", x => x.CorrelationId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ticket_sla_ClientId",
                table: "ticket_sla",
                column: "ClientId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ticket_sla");

            migrationBuilder.CreateTable(
                name: "sla_clocks",
                columns: table => new
                {
                    TicketId = table.Column<Guid>(type: "uuid", nullable: false),
                    AcknowledgeDueAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    AcknowledgeInternalDueAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    AcknowledgedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Priority = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    TimeZone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    WorkBeginsDueAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    WorkBeginsInternalDueAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sla_clocks", x => x.TicketId);
                });

            migrationBuilder.CreateTable(
                name: "sla_ledger",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Cause = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Target = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    TicketId = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sla_ledger", x => x.Id);
                    table.ForeignKey(
                        name: "FK_sla_ledger_sla_clocks_TicketId",
                        column: x => x.TicketId,
                        principalTable: "sla_clocks",
                        principalColumn: "TicketId",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_sla_clocks_ClientId",
                table: "sla_clocks",
                column: "ClientId");

            migrationBuilder.CreateIndex(
                name: "IX_sla_ledger_TicketId_Target",
                table: "sla_ledger",
                columns: new[] { "TicketId", "Target" },
                unique: true,
                filter: "\"Kind\" = 'Met'");
        }
    }
}
