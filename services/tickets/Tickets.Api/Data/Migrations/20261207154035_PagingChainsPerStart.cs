using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tickets.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class PagingChainsPerStart : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_pages_emergency_pagings_TicketId",
                table: "pages");

            migrationBuilder.DropIndex(
                name: "IX_pages_TicketId",
                table: "pages");

            migrationBuilder.DropPrimaryKey(
                name: "PK_emergency_pagings",
                table: "emergency_pagings");

            migrationBuilder.AddColumn<Guid>(
                name: "PagingId",
                table: "pages",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<Guid>(
                name: "Id",
                table: "emergency_pagings",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<string>(
                name: "StartKey",
                table: "emergency_pagings",
                type: "character varying(100)",
                maxLength: 100,
                nullable: false,
                defaultValue: "");

            // Until now a ticket had one chain, keyed by the ticket: that chain keeps the ticket's id as its own.
            migrationBuilder.Sql("""UPDATE emergency_pagings SET "Id" = "TicketId";""");
            migrationBuilder.Sql("""UPDATE pages SET "PagingId" = "TicketId";""");

            migrationBuilder.AddPrimaryKey(
                name: "PK_emergency_pagings",
                table: "emergency_pagings",
                column: "Id");

            migrationBuilder.CreateIndex(
                name: "IX_pages_PagingId",
                table: "pages",
                column: "PagingId");

            migrationBuilder.CreateIndex(
                name: "IX_emergency_pagings_TicketId_StartKey",
                table: "emergency_pagings",
                columns: new[] { "TicketId", "StartKey" },
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "FK_pages_emergency_pagings_PagingId",
                table: "pages",
                column: "PagingId",
                principalTable: "emergency_pagings",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_pages_emergency_pagings_PagingId",
                table: "pages");

            migrationBuilder.DropIndex(
                name: "IX_pages_PagingId",
                table: "pages");

            migrationBuilder.DropPrimaryKey(
                name: "PK_emergency_pagings",
                table: "emergency_pagings");

            migrationBuilder.DropIndex(
                name: "IX_emergency_pagings_TicketId_StartKey",
                table: "emergency_pagings");

            migrationBuilder.DropColumn(
                name: "PagingId",
                table: "pages");

            migrationBuilder.DropColumn(
                name: "Id",
                table: "emergency_pagings");

            migrationBuilder.DropColumn(
                name: "StartKey",
                table: "emergency_pagings");

            migrationBuilder.AddPrimaryKey(
                name: "PK_emergency_pagings",
                table: "emergency_pagings",
                column: "TicketId");

            migrationBuilder.CreateIndex(
                name: "IX_pages_TicketId",
                table: "pages",
                column: "TicketId");

            migrationBuilder.AddForeignKey(
                name: "FK_pages_emergency_pagings_TicketId",
                table: "pages",
                column: "TicketId",
                principalTable: "emergency_pagings",
                principalColumn: "TicketId",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
