using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Intake.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class TriageKeepsEverything : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DescriptionHtml",
                table: "triage_items",
                type: "character varying(100000)",
                maxLength: 100000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "InReplyTo",
                table: "triage_items",
                type: "character varying(300)",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PriorityHint",
                table: "triage_items",
                type: "character varying(2)",
                maxLength: 2,
                nullable: true);

            migrationBuilder.AddColumn<string[]>(
                name: "References",
                table: "triage_items",
                type: "text[]",
                nullable: false,
                defaultValue: new string[0]);

            migrationBuilder.AddColumn<Guid>(
                name: "ThreadTicketId",
                table: "triage_items",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ThreadTicketNumber",
                table: "triage_items",
                type: "bigint",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DescriptionHtml",
                table: "triage_items");

            migrationBuilder.DropColumn(
                name: "InReplyTo",
                table: "triage_items");

            migrationBuilder.DropColumn(
                name: "PriorityHint",
                table: "triage_items");

            migrationBuilder.DropColumn(
                name: "References",
                table: "triage_items");

            migrationBuilder.DropColumn(
                name: "ThreadTicketId",
                table: "triage_items");

            migrationBuilder.DropColumn(
                name: "ThreadTicketNumber",
                table: "triage_items");
        }
    }
}
