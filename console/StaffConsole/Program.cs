using ServiceDesk.Platform;
using StaffConsole;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddStaffConsole();

var app = builder.Build();
app.UseStaffConsole();
app.MapDefaultEndpoints();
app.MapStaffConsole();
app.Run();
