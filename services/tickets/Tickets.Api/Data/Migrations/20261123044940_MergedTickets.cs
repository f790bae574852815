using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tickets.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class MergedTickets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "MergedIntoId",
                table: "tickets",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_tickets_MergedIntoId",
                table: "tickets",
                column: "MergedIntoId",
                filter: "\"MergedIntoId\" IS NOT NULL");

            migrationBuilder.AddForeignKey(
                name: "FK_tickets_tickets_MergedIntoId",
                table: "tickets",
                column: "MergedIntoId",
                principalTable: "tickets",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_tickets_tickets_MergedIntoId",
                table: "tickets");

            migrationBuilder.DropIndex(
                name: "IX_tickets_MergedIntoId",
                table: "tickets");

            migrationBuilder.DropColumn(
                name: "MergedIntoId",
                table: "tickets");
        }
    }
}
