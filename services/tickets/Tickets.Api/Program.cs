using ServiceDesk.Platform;
using Tickets.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddTickets();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapApiDocs();
app.MapTicketsApi();
app.Run();
