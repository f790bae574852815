using ServiceDesk.Platform;
using StaffConsole;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddStaffConsole();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseStaffConsole();
app.MapStaffConsole();
app.Run();
