using Notify.Api;
using ServiceDesk.Platform;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotify();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
