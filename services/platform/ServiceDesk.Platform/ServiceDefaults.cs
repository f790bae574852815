using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServiceDesk.Platform;

public static class ServiceDefaults
{
    /// <summary>Tag of the health checks that gate /health/ready (bus, database).</summary>
    public const string ReadyTag = "ready";

    /// <summary>"Intake.Api" becomes "intake": the name ops see on every span and log line.</summary>
    public static string ServiceName(this IHostEnvironment environment) =>
        environment.ApplicationName.Replace(".Api", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>
    /// For the routes that take files in base64 (intake's requests, tickets' replies and notes): the gateway's limit on
    /// them, above the 1 MiB every service takes otherwise, so that too many or too large files reach the endpoint's
    /// checks and get its problem naming them rather than the server's bare 413.
    /// </summary>
    public static readonly Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute BodyWithFiles = new(4_718_592);

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.AddTelemetry();
        builder.AddServiceAuthentication();
        builder.Services.AddHealthChecks();
        // Bounded in every service too, not only at the gateway (which is stricter per route).
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024);
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            // Served through the gateway: paths are relative to wherever the document was fetched from.
            document.Servers = [];
            document.Components ??= new();
            document.Components.SecuritySchemes ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new Microsoft.OpenApi.OpenApiSecurityScheme
            {
                Type = Microsoft.OpenApi.SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
            };
            document.Security = [new Microsoft.OpenApi.OpenApiSecurityRequirement { [new Microsoft.OpenApi.OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            return Task.CompletedTask;
        }));
        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var traceId = Activity.Current?.TraceId.ToString();
            context.ProblemDetails.Extensions["traceId"] = traceId;
            // Every refusal, whichever endpoint answers it, leaves a line to find by the trace id the caller got.
            if (context.ProblemDetails.Status is >= 400 and < 500)
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ServiceDesk.Refusals").LogWarning(
                    "{Method} {Path} refused with {Status}: {Title} {Fields} (trace {TraceId})", context.HttpContext.Request.Method,
                    context.HttpContext.Request.Path.Value, context.ProblemDetails.Status, context.ProblemDetails.Title,
                    context.ProblemDetails is HttpValidationProblemDetails validation ? string.Join(", ", validation.Errors.Keys) : "", traceId);
        });
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Bad JSON surfaces as an exception so that BadRequestExceptionHandler can name the field.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(options =>
        {
            // A misspelt field is a client bug: say so instead of silently dropping it.
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            options.SerializerOptions.Converters.Add(new UtcInstantConverter());
        });
        return builder;
    }

    /// <summary>
    /// An instant in a request body is taken in UTC, whatever offset the caller wrote it with ("09:00+01:00" is 08:00Z):
    /// Npgsql stores only UTC instants in timestamptz and refuses any other offset, which was a 500 for a valid time.
    /// Answers are written as they are.
    /// </summary>
    private sealed class UtcInstantConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset().ToUniversalTime();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    private static void AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ServiceName()))
            .WithTracing(tracing => tracing
                // Without a collector nothing reads a span: trace ids still flow (logs, traceparent, message headers),
                // but no span is recorded, tagged or enriched. Recording them cost CPU on every delivery for nothing.
                .SetSampler(exporting ? new ParentBasedSampler(new AlwaysOnSampler()) : new AlwaysOffSampler())
                .AddSource(Telemetry.SourceName, "MassTransit", "Yarp.ReverseProxy")
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter("MassTransit", "ServiceDesk.*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());

        // Export only when a collector is configured (standard OTEL_* variables pick endpoint and protocol).
        if (exporting) otel.UseOtlpExporter();
    }

    /// <summary>Problem details for errors, and /health/live and /health/ready, on every process.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        // Live: the process answers. Ready: its bus and database answer too. Public, for orchestrators.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteHealthAsync,
        }).AllowAnonymous();
        return app;
    }

    /// <summary>Each check's status and description, so ops can see which dependency is not ready (no exception details).</summary>
    private static Task WriteHealthAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(entry => entry.Key, entry => new
            {
                status = entry.Value.Status.ToString(),
                description = entry.Value.Description,
            }),
        });

    /// <summary>The service's OpenAPI document at /openapi/v1.json; the gateway serves it as /docs/{service}/openapi.json.</summary>
    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        return app;
    }
}
