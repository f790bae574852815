using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tickets.Api.Data.Migrations
{
    /// <summary>
    /// The demo client's contacts (Dana Reyes, Sam Ortiz) in tickets' directory, Dana first on the call-down list, so that the README's journeys (a request as Dana,
    /// mail from Dana that threads) work on a fresh install. Intake and tickets insert the same rows with the same ids, so
    /// both directories agree without a ClientChanged. Skipped for an address the demo client already has (someone added
    /// Dana by hand, as the README once said to). No model change: written by hand, like the data it holds.
    /// </summary>
    [DbContext(typeof(TicketsDbContext))]
    [Migration("20261207004000_DemoContacts")]
    public partial class DemoContacts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                INSERT INTO contacts ("Id", "ClientId", "Name", "Emails", "Phones", "CallDownPosition")
                SELECT '7c9e6679-7425-40de-944b-e07fc1f90ae7', '0f8fad5b-d9cb-469f-a165-70867728950e', 'Dana Reyes', ARRAY['dana@acme-dental.example'], ARRAY['+12025550101'], 1
                WHERE EXISTS (SELECT 1 FROM clients WHERE "Id" = '0f8fad5b-d9cb-469f-a165-70867728950e')
                  AND NOT EXISTS (SELECT 1 FROM contacts WHERE "ClientId" = '0f8fad5b-d9cb-469f-a165-70867728950e' AND 'dana@acme-dental.example' = ANY("Emails"));
                """);
            migrationBuilder.Sql("""
                INSERT INTO contacts ("Id", "ClientId", "Name", "Emails", "Phones", "CallDownPosition")
                SELECT '16fd2706-8baf-433b-82eb-8c7fada847da', '0f8fad5b-d9cb-469f-a165-70867728950e', 'Sam Ortiz', ARRAY['sam@acme-dental.example'], ARRAY['+12025550102'], 2
                WHERE EXISTS (SELECT 1 FROM clients WHERE "Id" = '0f8fad5b-d9cb-469f-a165-70867728950e')
                  AND NOT EXISTS (SELECT 1 FROM contacts WHERE "ClientId" = '0f8fad5b-d9cb-469f-a165-70867728950e' AND 'sam@acme-dental.example' = ANY("Emails"));
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DELETE FROM contacts WHERE "Id" IN ('7c9e6679-7425-40de-944b-e07fc1f90ae7', '16fd2706-8baf-433b-82eb-8c7fada847da');""");
        }
    }
}
