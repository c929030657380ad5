using System.Text.Json;
using Microsoft.Extensions.FileProviders;

namespace MediaCluster.Node;

/// <summary>
/// The web page at / (static files from wwwroot beside the node's assembly: no build step) and its sign-in: the token
/// is given once to <c>POST /api/session</c>, which opens a server-side session (<see cref="Access"/>) named by an
/// HttpOnly, SameSite=Strict cookie that expires (Node:SessionHours) and ends at sign-out (<c>DELETE /api/session</c>);
/// the API, the events, /metrics and /ws/live accept it like the bearer header, from the page's own origin.
/// </summary>
internal static class WebPage
{
    /// <summary>Security headers on every answer, then the page's files.</summary>
    public static void UseHeadersAndFiles(WebApplication app)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var files = new PhysicalFileProvider(root);
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/ws")
                // What the API serves is data, never a document: opened directly, it runs nothing and can load nothing.
                ? "default-src 'none'; sandbox; frame-ancestors 'none'"
                : "default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; img-src 'self' data:; frame-ancestors 'none'";
            await next();
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
    }

    /// <summary>Sign-in, the session probe and sign-out.</summary>
    public static void MapSession(WebApplication app, string token)
    {

        app.MapPost("/api/session", async (HttpContext context) =>
        {
            string? given = null;
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = 4096; // {"token": "…"}, not the upload limit
            }

            try
            {
                using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                given = body.RootElement.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
            catch (Exception ex) when (ex is JsonException or BadHttpRequestException)
            {
            }

            if (given is null)
            {
                return ApiErrors.Of("send {\"token\": \"…\"}", StatusCodes.Status400BadRequest);
            }

            if (!ApiToken.Matches(given, token))
            {
                return ApiErrors.Of("wrong token: it is the api-token file in the node's data directory", StatusCodes.Status401Unauthorized);
            }

            await Access.SignInAsync(context);
            return Results.NoContent();
        });
        app.MapGet("/api/session", () => Results.NoContent()).RequireAuthorization(Access.Everyday);
        app.MapDelete("/api/session", async (HttpContext context) =>
        {
            await Access.SignOutAsync(context);
            return Results.NoContent();
        });
    }
}
