using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Tickets.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class OnCallRotations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Lead",
                table: "teams",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "PageRounds",
                table: "teams",
                type: "integer",
                nullable: false,
                // Teams that exist get the defaults a new team gets (Team.DefaultPageRounds, Team.DefaultPageWait).
                defaultValue: 2);

            migrationBuilder.AddColumn<TimeSpan>(
                name: "PageWait",
                table: "teams",
                type: "interval",
                nullable: false,
                defaultValue: TimeSpan.FromMinutes(5));

            migrationBuilder.CreateTable(
                name: "on_call_overrides",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TeamId = table.Column<Guid>(type: "uuid", nullable: false),
                    Layer = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Person = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    From = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    To = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_on_call_overrides", x => x.Id);
                    table.ForeignKey(
                        name: "FK_on_call_overrides_teams_TeamId",
                        column: x => x.TeamId,
                        principalTable: "teams",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "rotations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TeamId = table.Column<Guid>(type: "uuid", nullable: false),
                    Layer = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rotations", x => x.Id);
                    table.ForeignKey(
                        name: "FK_rotations_teams_TeamId",
                        column: x => x.TeamId,
                        principalTable: "teams",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "rotation_versions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RotationId = table.Column<Guid>(type: "uuid", nullable: false),
                    EffectiveFrom = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    People = table.Column<List<string>>(type: "text[]", nullable: false),
                    TurnDays = table.Column<int>(type: "integer", nullable: false),
                    Handoff = table.Column<TimeOnly>(type: "time without time zone", nullable: false),
                    TimeZone = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    FirstTurn = table.Column<DateOnly>(type: "date", nullable: false),
                    RecordedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RecordedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rotation_versions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_rotation_versions_rotations_RotationId",
                        column: x => x.RotationId,
                        principalTable: "rotations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_on_call_overrides_TeamId_Layer_From",
                table: "on_call_overrides",
                columns: new[] { "TeamId", "Layer", "From" });

            migrationBuilder.CreateIndex(
                name: "IX_rotation_versions_RotationId_EffectiveFrom",
                table: "rotation_versions",
                columns: new[] { "RotationId", "EffectiveFrom" });

            migrationBuilder.CreateIndex(
                name: "IX_rotations_TeamId_Layer",
                table: "rotations",
                columns: new[] { "TeamId", "Layer" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "on_call_overrides");

            migrationBuilder.DropTable(
                name: "rotation_versions");

            migrationBuilder.DropTable(
                name: "rotations");

            migrationBuilder.DropColumn(
                name: "Lead",
                table: "teams");

            migrationBuilder.DropColumn(
                name: "PageRounds",
                table: "teams");

            migrationBuilder.DropColumn(
                name: "PageWait",
                table: "teams");
        }
    }
}
