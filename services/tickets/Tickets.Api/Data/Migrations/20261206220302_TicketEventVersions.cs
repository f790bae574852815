using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tickets.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class TicketEventVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "EventVersion",
                table: "tickets",
                type: "integer",
                nullable: false,
                // Existing tickets count their opening as 1; sla adopts the first version it sees on a clock started
                // before versions existed (docs/adr/0023), so no ticket waits for a version that was never numbered.
                defaultValue: 1);

            migrationBuilder.AddColumn<string>(
                name: "Sla_Clock",
                table: "tickets",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Sla_ClockVersion",
                table: "tickets",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "EventVersion",
                table: "tickets");

            migrationBuilder.DropColumn(
                name: "Sla_Clock",
                table: "tickets");

            migrationBuilder.DropColumn(
                name: "Sla_ClockVersion",
                table: "tickets");
        }
    }
}
