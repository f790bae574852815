using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Intake.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class AwaitingClock : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "AwaitingClock",
                table: "service_requests",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateIndex(
                name: "ix_service_requests_awaiting_clock",
                table: "service_requests",
                column: "ReceivedAt",
                filter: "\"AwaitingClock\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_service_requests_awaiting_clock",
                table: "service_requests");

            migrationBuilder.DropColumn(
                name: "AwaitingClock",
                table: "service_requests");
        }
    }
}
