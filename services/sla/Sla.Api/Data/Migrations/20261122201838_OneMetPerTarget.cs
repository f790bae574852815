using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sla.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class OneMetPerTarget : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_sla_ledger_TicketId",
                table: "sla_ledger");

            migrationBuilder.CreateIndex(
                name: "IX_sla_ledger_TicketId_Target",
                table: "sla_ledger",
                columns: new[] { "TicketId", "Target" },
                unique: true,
                filter: "\"Kind\" = 'Met'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_sla_ledger_TicketId_Target",
                table: "sla_ledger");

            migrationBuilder.CreateIndex(
                name: "IX_sla_ledger_TicketId",
                table: "sla_ledger",
                column: "TicketId");
        }
    }
}
