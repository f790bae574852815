using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class BlockHours : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "CoveredByBlock",
                table: "time_entries",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<Guid>(
                name: "BlockId",
                table: "invoice_lines",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "block_hours",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Minutes = table.Column<int>(type: "integer", nullable: false),
                    ValidFrom = table.Column<DateOnly>(type: "date", nullable: false),
                    ExpiresOn = table.Column<DateOnly>(type: "date", nullable: false),
                    Reference = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_block_hours", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "block_drawdowns",
                columns: table => new
                {
                    BlockId = table.Column<Guid>(type: "uuid", nullable: false),
                    TimeEntryId = table.Column<Guid>(type: "uuid", nullable: false),
                    InvoiceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Minutes = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_block_drawdowns", x => new { x.BlockId, x.TimeEntryId, x.InvoiceId });
                    table.ForeignKey(
                        name: "FK_block_drawdowns_block_hours_BlockId",
                        column: x => x.BlockId,
                        principalTable: "block_hours",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_block_drawdowns_InvoiceId",
                table: "block_drawdowns",
                column: "InvoiceId");

            migrationBuilder.CreateIndex(
                name: "IX_block_hours_ClientId",
                table: "block_hours",
                column: "ClientId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "block_drawdowns");

            migrationBuilder.DropTable(
                name: "block_hours");

            migrationBuilder.DropColumn(
                name: "CoveredByBlock",
                table: "time_entries");

            migrationBuilder.DropColumn(
                name: "BlockId",
                table: "invoice_lines");
        }
    }
}
