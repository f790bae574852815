using Notify.Api;
using ServiceDesk.Platform;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotify();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapApiDocs(); // no operations: notify works from events; served at /docs/notify/openapi.json like the others
app.Run();
