using ServiceDesk.Platform;
using Tickets.Api;
using Tickets.Api.Endpoints;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddTickets();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapApiDocs();
app.MapTicketEndpoints();
app.Run();
