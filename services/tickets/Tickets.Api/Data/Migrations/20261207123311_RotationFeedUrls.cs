using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tickets.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class RotationFeedUrls : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "FeedIssuedAt",
                table: "rotations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "FeedSecretHash",
                table: "rotations",
                type: "bytea",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_rotations_FeedSecretHash",
                table: "rotations",
                column: "FeedSecretHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_rotations_FeedSecretHash",
                table: "rotations");

            migrationBuilder.DropColumn(
                name: "FeedIssuedAt",
                table: "rotations");

            migrationBuilder.DropColumn(
                name: "FeedSecretHash",
                table: "rotations");
        }
    }
}
