using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tickets.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class PersonVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // xmin is PostgreSQL's system column, not ours: the version callers see becomes a column of its own. Existing
            // tickets start at 1; a caller holding an xmin-era version gets one 409 and reads again.
            migrationBuilder.AddColumn<long>(
                name: "Version",
                table: "tickets",
                type: "bigint",
                nullable: false,
                defaultValue: 1L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Version",
                table: "tickets");
        }
    }
}
