using Notify.Api;
using Notify.Api.Endpoints;
using ServiceDesk.Platform;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotify();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapApiDocs();
app.MapNotifyEndpoints();
app.MapStaffPreferenceEndpoints();
app.Run();
