using ServiceDesk.Platform;
using Sla.Api;
using Sla.Api.Endpoints;
using Sla.Api.Reports;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddSla();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapApiDocs();
app.MapSlaEndpoints();
app.MapReportEndpoints();
app.MapAdminEndpoints();
app.Run();
