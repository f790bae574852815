using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sla.Api.Data.Migrations
{
    /// <summary>
    /// A client user's scope (docs/adr/0053): the address each clock's ticket was opened from, and sla's copy of the
    /// contacts' addresses. Clocks started before keep "" and are read by staff and client admins only. The demo client's
    /// contacts (Dana Reyes, Sam Ortiz: the same ids as in tickets and intake, ADR 25) are inserted so the README's demo
    /// works before tickets' next ClientChanged replaces them.
    /// </summary>
    public partial class ContactScope : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ContactEmail",
                table: "ticket_sla",
                type: "character varying(254)",
                maxLength: 254,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "contacts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Emails = table.Column<string[]>(type: "text[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_contacts", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_contacts_ClientId",
                table: "contacts",
                column: "ClientId");

            migrationBuilder.Sql("""
                INSERT INTO contacts ("Id", "ClientId", "Emails") VALUES
                ('7c9e6679-7425-40de-944b-e07fc1f90ae7', '0f8fad5b-d9cb-469f-a165-70867728950e', ARRAY['dana@acme-dental.example']),
                ('16fd2706-8baf-433b-82eb-8c7fada847da', '0f8fad5b-d9cb-469f-a165-70867728950e', ARRAY['sam@acme-dental.example'])
                ON CONFLICT DO NOTHING;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "contacts");

            migrationBuilder.DropColumn(
                name: "ContactEmail",
                table: "ticket_sla");
        }
    }
}
