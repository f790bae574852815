using ServiceDesk.Platform;
using StaffConsole;

var builder = WebApplication.CreateBuilder(args);
// Blazor's script and MudBlazor's assets come from their packages' static web assets, which ASP.NET Core serves from a
// build's output only in Development unless asked to: scripts/run.sh and the tests run builds, not published output.
builder.WebHost.UseStaticWebAssets();
builder.AddServiceDefaults();
builder.AddStaffConsole();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseStaffConsole();
app.MapStaffConsole();
app.Run();
