using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Notify.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class TicketOnCall : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "OnCall",
                table: "ticket_contacts",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "OnCall",
                table: "ticket_contacts");
        }
    }
}
