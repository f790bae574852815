using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class BlockRolloverAndEditedEntries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "EditReviewReason",
                table: "time_entries",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "EditReviewedAt",
                table: "time_entries",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EditReviewedBy",
                table: "time_entries",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "EditedAfterInvoicingAt",
                table: "time_entries",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "InvoicedRevision",
                table: "time_entries",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "RolledFromBlockId",
                table: "block_hours",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Rollover",
                table: "block_hours",
                type: "character varying(20)",
                maxLength: 20,
                nullable: false,
                defaultValue: "None"); // blocks stored before rules existed: nothing about them changes

            migrationBuilder.AddColumn<int>(
                name: "RolloverCapMinutes",
                table: "block_hours",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RolloverMonths",
                table: "block_hours",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.CreateTable(
                name: "block_settlements",
                columns: table => new
                {
                    BlockId = table.Column<Guid>(type: "uuid", nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    UnusedMinutes = table.Column<int>(type: "integer", nullable: false),
                    RolledMinutes = table.Column<int>(type: "integer", nullable: false),
                    ExpiredMinutes = table.Column<int>(type: "integer", nullable: false),
                    RolledIntoBlockId = table.Column<Guid>(type: "uuid", nullable: true),
                    SettledAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    SettledBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_block_settlements", x => x.BlockId);
                    table.ForeignKey(
                        name: "FK_block_settlements_block_hours_BlockId",
                        column: x => x.BlockId,
                        principalTable: "block_hours",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_block_settlements_ClientId",
                table: "block_settlements",
                column: "ClientId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "block_settlements");

            migrationBuilder.DropColumn(
                name: "EditReviewReason",
                table: "time_entries");

            migrationBuilder.DropColumn(
                name: "EditReviewedAt",
                table: "time_entries");

            migrationBuilder.DropColumn(
                name: "EditReviewedBy",
                table: "time_entries");

            migrationBuilder.DropColumn(
                name: "EditedAfterInvoicingAt",
                table: "time_entries");

            migrationBuilder.DropColumn(
                name: "InvoicedRevision",
                table: "time_entries");

            migrationBuilder.DropColumn(
                name: "RolledFromBlockId",
                table: "block_hours");

            migrationBuilder.DropColumn(
                name: "Rollover",
                table: "block_hours");

            migrationBuilder.DropColumn(
                name: "RolloverCapMinutes",
                table: "block_hours");

            migrationBuilder.DropColumn(
                name: "RolloverMonths",
                table: "block_hours");
        }
    }
}
