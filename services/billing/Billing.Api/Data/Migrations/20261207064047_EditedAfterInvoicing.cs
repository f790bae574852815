using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class EditedAfterInvoicing : Migration
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
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
        }
    }
}
