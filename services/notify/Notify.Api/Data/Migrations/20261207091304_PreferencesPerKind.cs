using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Notify.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class PreferencesPerKind : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string[]>(
                name: "Channels",
                table: "contact_preferences",
                type: "text[]",
                nullable: true,
                oldClrType: typeof(string[]),
                oldType: "text[]");

            migrationBuilder.AddColumn<string[]>(
                name: "Replies",
                table: "contact_preferences",
                type: "text[]",
                nullable: true);

            migrationBuilder.AddColumn<string[]>(
                name: "Resolutions",
                table: "contact_preferences",
                type: "text[]",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Replies",
                table: "contact_preferences");

            migrationBuilder.DropColumn(
                name: "Resolutions",
                table: "contact_preferences");

            migrationBuilder.AlterColumn<string[]>(
                name: "Channels",
                table: "contact_preferences",
                type: "text[]",
                nullable: false,
                defaultValue: new string[0],
                oldClrType: typeof(string[]),
                oldType: "text[]",
                oldNullable: true);
        }
    }
}
