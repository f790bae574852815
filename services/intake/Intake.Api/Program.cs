using Intake.Api;
using Intake.Api.Endpoints;
using ServiceDesk.Platform;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIntake();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapApiDocs();
app.MapRequestEndpoints();
app.MapTriageEndpoints();
app.MapAttachmentEndpoints();
app.MapEmailEndpoints();
app.MapPhoneEndpoints();
app.MapPortal();
app.Run();
