using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Intake.Api;

/// <summary>
/// The client portal: static files (wwwroot/portal) that the gateway forwards from /portal. Intake owns it because the
/// portal's main job is to open requests. The files are public (they hold no data); every API call the page makes
/// carries the contact's bearer token.
/// </summary>
public static class Portal
{
    public static WebApplication MapPortal(this WebApplication app)
    {
        // From the build output, not the working directory: the apps run from wherever they are started.
        var files = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "wwwroot", "portal"));
        // Only what the page is made of (the build also leaves pre-compressed copies beside the files).
        var types = new FileExtensionContentTypeProvider(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [".html"] = "text/html; charset=utf-8",
            [".js"] = "text/javascript; charset=utf-8",
            [".css"] = "text/css; charset=utf-8",
        });

        // Endpoints rather than UseStaticFiles: the fallback policy would demand a token for a file served by
        // middleware, and AllowAnonymous on a route is how this codebase marks what is public (RouteInventoryTests).
        app.MapMethods("/portal/{**path}", [HttpMethods.Get, HttpMethods.Head], (string? path, HttpRequest request, HttpResponse response) =>
            {
                // Routing matches "/portal" here too; relative links in index.html (portal.js) need the trailing slash.
                if (string.IsNullOrEmpty(path) && !request.Path.Value!.EndsWith('/'))
                    return Results.Redirect("/portal/");
                // PhysicalFileProvider refuses paths outside its root and hidden files, so "../" cannot escape.
                var file = files.GetFileInfo(string.IsNullOrEmpty(path) ? "index.html" : path);
                if (!file.Exists || file.IsDirectory || !types.TryGetContentType(file.Name, out var type))
                    return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such page.");
                // Revalidated on every load (Last-Modified): a fixed page reaches contacts at once.
                response.Headers.CacheControl = "no-cache";
                return Results.File(file.PhysicalPath!, type, lastModified: file.LastModified);
            })
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }
}
