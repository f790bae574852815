using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tickets.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class SlaRiskViews : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "Sla_BreachedAt",
                table: "tickets",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Sla_BreachedTarget",
                table: "tickets",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "Sla_RiskDueAt",
                table: "tickets",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Sla_RiskPercent",
                table: "tickets",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Sla_RiskTarget",
                table: "tickets",
                type: "text",
                nullable: true);

            // The at-risk and breached views, in queue order. EF Core cannot declare an index on a complex property's
            // column with a filter, so they are written here.
            migrationBuilder.Sql("""CREATE INDEX ix_tickets_at_risk_queue ON tickets ("Priority", "OpenedAt", "Id") WHERE "Sla_RiskPercent" IS NOT NULL;""");
            migrationBuilder.Sql("""CREATE INDEX ix_tickets_breached_queue ON tickets ("Priority", "OpenedAt", "Id") WHERE "Sla_BreachedAt" IS NOT NULL;""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX ix_tickets_at_risk_queue;");
            migrationBuilder.Sql("DROP INDEX ix_tickets_breached_queue;");

            migrationBuilder.DropColumn(
                name: "Sla_BreachedAt",
                table: "tickets");

            migrationBuilder.DropColumn(
                name: "Sla_BreachedTarget",
                table: "tickets");

            migrationBuilder.DropColumn(
                name: "Sla_RiskDueAt",
                table: "tickets");

            migrationBuilder.DropColumn(
                name: "Sla_RiskPercent",
                table: "tickets");

            migrationBuilder.DropColumn(
                name: "Sla_RiskTarget",
                table: "tickets");
        }
    }
}
