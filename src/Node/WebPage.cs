using System.Text.Json;
using Microsoft.Extensions.FileProviders;

namespace MediaCluster.Node;

/// <summary>
/// The web page at / (static files from wwwroot beside the node's assembly: no build step) and its sign-in: the token
/// is given once to <c>POST /api/session</c>, which keeps it in an HttpOnly, SameSite=Strict cookie — never in a URL —
/// that the API, the events, /metrics and /ws/live then accept like the bearer header.
/// </summary>
internal static class WebPage
{
    public static void Map(WebApplication app, string token)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var files = new PhysicalFileProvider(root);
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/ws"))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = "default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; img-src 'self' data:; frame-ancestors 'none'";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
            }

            await next();
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });

        app.MapPost("/api/session", async (HttpContext context) =>
        {
            string? given = null;
            try
            {
                using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                given = body.RootElement.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
            catch (JsonException)
            {
            }

            if (given is null)
            {
                return JobApi.Error("send {\"token\": \"…\"}", StatusCodes.Status400BadRequest);
            }

            if (!ApiToken.Matches(given, token))
            {
                return JobApi.Error("wrong token: it is the api-token file in the node's data directory", StatusCodes.Status401Unauthorized);
            }

            context.Response.Cookies.Append(LiveApi.TokenCookie, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                Path = "/",
                IsEssential = true,
            });
            return Results.NoContent();
        });
        app.MapGet("/api/session", () => Results.NoContent());
        app.MapDelete("/api/session", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(LiveApi.TokenCookie, new CookieOptions { Path = "/" });
            return Results.NoContent();
        });
    }
}
