using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sla.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class SlaReports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "sla_report_tickets",
                columns: table => new
                {
                    TicketId = table.Column<Guid>(type: "uuid", nullable: false),
                    TeamId = table.Column<Guid>(type: "uuid", nullable: true),
                    AssignedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Merged = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sla_report_tickets", x => x.TicketId);
                });

            migrationBuilder.CreateTable(
                name: "sla_target_outcomes",
                columns: table => new
                {
                    TicketId = table.Column<Guid>(type: "uuid", nullable: false),
                    Target = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Priority = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    Tier = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    EnteredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    MetAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    BusinessSeconds = table.Column<double>(type: "double precision", nullable: true),
                    MetContractual = table.Column<bool>(type: "boolean", nullable: true),
                    MetInternal = table.Column<bool>(type: "boolean", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sla_target_outcomes", x => new { x.TicketId, x.Target });
                });

            migrationBuilder.CreateIndex(
                name: "IX_sla_target_outcomes_ClientId_EnteredAt",
                table: "sla_target_outcomes",
                columns: new[] { "ClientId", "EnteredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_sla_target_outcomes_EnteredAt",
                table: "sla_target_outcomes",
                column: "EnteredAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "sla_report_tickets");

            migrationBuilder.DropTable(
                name: "sla_target_outcomes");
        }
    }
}
