using Billing.Api;
using Billing.Api.Endpoints;
using ServiceDesk.Platform;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddBilling();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapApiDocs();
app.MapBillingApi();
app.Run();
