using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tickets.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class ThreadedReplies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "Body",
                table: "ticket_messages",
                type: "character varying(20000)",
                maxLength: 20000,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(10000)",
                oldMaxLength: 10000);

            migrationBuilder.AddColumn<string>(
                name: "Channel",
                table: "ticket_messages",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "MatchedBy",
                table: "ticket_messages",
                type: "character varying(1100)",
                maxLength: 1100,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "thread_references",
                columns: table => new
                {
                    MessageId = table.Column<string>(type: "character varying(998)", maxLength: 998, nullable: false),
                    TicketId = table.Column<Guid>(type: "uuid", nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_thread_references", x => x.MessageId);
                    table.ForeignKey(
                        name: "FK_thread_references_tickets_TicketId",
                        column: x => x.TicketId,
                        principalTable: "tickets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_thread_references_TicketId",
                table: "thread_references",
                column: "TicketId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "thread_references");

            migrationBuilder.DropColumn(
                name: "Channel",
                table: "ticket_messages");

            migrationBuilder.DropColumn(
                name: "MatchedBy",
                table: "ticket_messages");

            migrationBuilder.AlterColumn<string>(
                name: "Body",
                table: "ticket_messages",
                type: "character varying(10000)",
                maxLength: 10000,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(20000)",
                oldMaxLength: 20000);
        }
    }
}
