using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sla.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class DemoClient : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // tickets seeds the demo client (ClientDirectory migration) without publishing ClientChanged, so sla would
            // not know it: its preview and the portal's emergency terms need it. Revision 1 as tickets has it; a later
            // revision from tickets replaces it as usual (ADR 19).
            migrationBuilder.Sql("""
                INSERT INTO clients ("Id", "Revision", "Name", "Tier", "CalendarId", "Active")
                VALUES ('0f8fad5b-d9cb-469f-a165-70867728950e', 1, 'Acme Dental', 'standard', NULL, TRUE)
                ON CONFLICT ("Id") DO NOTHING;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
