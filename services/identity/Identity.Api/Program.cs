using Identity.Api;
using Identity.Api.Endpoints;
using ServiceDesk.Platform;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIdentityProvider();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapApiDocs();
app.UseIdentityProvider();
app.MapAccountEndpoints();
app.MapConnectEndpoints();
app.MapUserEndpoints();
app.MapStaffDirectoryEndpoints();
app.Run();
