using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sla.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class AdminPolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ClientRevision",
                table: "ticket_sla",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "calendar_revisions",
                columns: table => new
                {
                    CalendarId = table.Column<Guid>(type: "uuid", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    TimeZone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Hours = table.Column<string>(type: "jsonb", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_calendar_revisions", x => new { x.CalendarId, x.Revision });
                });

            migrationBuilder.CreateTable(
                name: "calendars",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_calendars", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "clients",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false),
                    Tier = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    CalendarId = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: true),
                    Active = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_clients", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "tiers",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    AfterHoursCovered = table.Column<bool>(type: "boolean", nullable: false),
                    EmergencyCovered = table.Column<bool>(type: "boolean", nullable: false),
                    Targets = table.Column<string>(type: "jsonb", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tiers", x => x.Name);
                });

            migrationBuilder.CreateIndex(
                name: "IX_calendars_Name",
                table: "calendars",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_clients_CalendarId",
                table: "clients",
                column: "CalendarId");

            migrationBuilder.CreateIndex(
                name: "IX_clients_Tier",
                table: "clients",
                column: "Tier");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "calendar_revisions");

            migrationBuilder.DropTable(
                name: "calendars");

            migrationBuilder.DropTable(
                name: "clients");

            migrationBuilder.DropTable(
                name: "tiers");

            migrationBuilder.DropColumn(
                name: "ClientRevision",
                table: "ticket_sla");
        }
    }
}
