using ServiceDesk.Platform;
using Sms.Channel;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddSmsChannel();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapSmsEndpoints();
app.Run();
