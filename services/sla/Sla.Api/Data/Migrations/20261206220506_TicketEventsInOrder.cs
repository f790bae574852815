using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sla.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class TicketEventsInOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Held",
                table: "ticket_sla",
                type: "jsonb",
                nullable: false,
                defaultValue: "[]");

            // 0: clocks opened before versions adopt the first versioned event they see (docs/adr/0023).
            migrationBuilder.AddColumn<int>(
                name: "TicketVersion",
                table: "ticket_sla",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "AssignedVersion",
                table: "sla_report_tickets",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Held",
                table: "ticket_sla");

            migrationBuilder.DropColumn(
                name: "TicketVersion",
                table: "ticket_sla");

            migrationBuilder.DropColumn(
                name: "AssignedVersion",
                table: "sla_report_tickets");
        }
    }
}
