using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Notify.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class ContactLanguages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Language",
                table: "directory_clients",
                type: "character varying(8)",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Language",
                table: "contact_preferences",
                type: "character varying(8)",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TimeZone",
                table: "contact_preferences",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Language",
                table: "directory_clients");

            migrationBuilder.DropColumn(
                name: "Language",
                table: "contact_preferences");

            migrationBuilder.DropColumn(
                name: "TimeZone",
                table: "contact_preferences");
        }
    }
}
