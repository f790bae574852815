using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tickets.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class NoCategoryRouting : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Nothing ever set a ticket's category, so a rule naming one never matched. Dropping only the column would
            // make such a rule match every ticket of its client and channel: the rules go first.
            migrationBuilder.Sql("""DELETE FROM routing_rules WHERE "Category" IS NOT NULL;""");

            migrationBuilder.DropColumn(
                name: "Category",
                table: "tickets");

            migrationBuilder.DropColumn(
                name: "Category",
                table: "routing_rules");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Category",
                table: "tickets",
                type: "character varying(60)",
                maxLength: 60,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Category",
                table: "routing_rules",
                type: "character varying(60)",
                maxLength: 60,
                nullable: true);
        }
    }
}
