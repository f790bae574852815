using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sla.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class ExtendedHours : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ExtendedCalendarId",
                table: "tiers",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ExtendedPriorities",
                table: "tiers",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb");

            migrationBuilder.CreateIndex(
                name: "IX_tiers_ExtendedCalendarId",
                table: "tiers",
                column: "ExtendedCalendarId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_tiers_ExtendedCalendarId",
                table: "tiers");

            migrationBuilder.DropColumn(
                name: "ExtendedCalendarId",
                table: "tiers");

            migrationBuilder.DropColumn(
                name: "ExtendedPriorities",
                table: "tiers");
        }
    }
}
