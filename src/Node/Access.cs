using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MediaCluster.Node;

/// <summary>
/// Who may call what, on ASP.NET Core's own authentication and authorization. Two schemes: the bearer token
/// (<c>Authorization: Bearer TOKEN</c>, for programs: pbm, curl, vosk clients, Prometheus) and the page's session (a
/// cookie naming a server-side session that expires and ends at sign-out; the token never leaves the sign-in request).
/// Two policies: <see cref="Everyday"/> (either scheme; a session's unsafe requests and WebSockets only from the page's
/// own origin) and <see cref="Operator"/> (the token only, and only on the management listener).
/// </summary>
internal static class Access
{
    /// <summary>The bearer token scheme.</summary>
    public const string TokenScheme = "token";

    /// <summary>The page's session cookie scheme.</summary>
    public const string SessionScheme = "session";

    /// <summary>The default scheme: the token when the request has an Authorization header, else the session cookie.</summary>
    private const string TokenOrSession = "token-or-session";

    /// <summary>Jobs, results, live audio, models to read, the cluster to look at, /metrics.</summary>
    public const string Everyday = "everyday";

    /// <summary>Cluster leave/down, model promotion, jobs and datasets read from server paths.</summary>
    public const string Operator = "operator";

    /// <summary>The session cookie's name.</summary>
    public const string SessionCookie = "mc_session";

    public static IServiceCollection AddAccess(this IServiceCollection services, string token, TimeSpan sessionLifetime)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SessionStore>();
        services.AddSingleton<Listeners>();

        // Sessions live in this process's memory, so the keys protecting their cookies need not outlive it either.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAuthentication(TokenOrSession)
            .AddScheme<TokenOptions, TokenHandler>(TokenScheme, o => o.Token = token)
            .AddCookie(SessionScheme, o =>
            {
                o.Cookie.Name = SessionCookie;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Cookie.Path = "/";
                o.ExpireTimeSpan = sessionLifetime;
                o.SlidingExpiration = false;

                // An API answers with a status, never a redirect to a sign-in page.
                o.Events.OnRedirectToLogin = c => Status(c.Response, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = c => Status(c.Response, StatusCodes.Status403Forbidden);
            })
            .AddPolicyScheme(TokenOrSession, TokenOrSession, o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 ? TokenScheme : SessionScheme);
        services.AddOptions<CookieAuthenticationOptions>(SessionScheme).Configure<SessionStore, TimeProvider>((o, store, time) =>
        {
            o.SessionStore = store;
            o.TimeProvider = time;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(Everyday, p => p.RequireAuthenticatedUser().AddRequirements(new SameOrigin()))
            .AddPolicy(Operator, p => p.AddAuthenticationSchemes(TokenScheme).RequireAuthenticatedUser());
        services.AddSingleton<IAuthorizationHandler, SameOriginHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ErrorAnswers>();
        return services;
    }

    /// <summary>
    /// Routes for the operator: behind the <see cref="Operator"/> policy, and answered 404 on any listener but the
    /// management one (they do not exist on the API listener, whatever the Host header says).
    /// </summary>
    public static RouteGroupBuilder OperatorRoutes(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(string.Empty).RequireAuthorization(Operator);
        group.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<Listeners>().IsManagement(context.HttpContext)
                ? await next(context)
                : NotHere(context.HttpContext));
        return group;
    }

    /// <summary>True when the request is the operator's: the token, on the management listener.</summary>
    public static bool IsOperator(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, AuthenticationType: TokenScheme }
        && context.RequestServices.GetRequiredService<Listeners>().IsManagement(context);

    /// <summary>The answer to an operator request that came in on the API listener.</summary>
    public static IResult NotHere(HttpContext context) => ApiErrors.Of(
        $"{context.Request.Method} {context.Request.Path} is an operator route, served on the management endpoint only (Node:ManagementAddress, loopback by default)",
        StatusCodes.Status404NotFound);

    /// <summary>Signs the page in: a new server-side session, named by the cookie.</summary>
    public static Task SignInAsync(HttpContext context) => context.SignInAsync(
        SessionScheme, new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "page")], SessionScheme)));

    /// <summary>Ends the page's session (the cookie no longer opens anything, even if kept) and removes the cookie.</summary>
    public static Task SignOutAsync(HttpContext context) => context.SignOutAsync(SessionScheme);

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }

    /// <summary>The bearer token every node of a cluster shares.</summary>
    internal sealed class TokenOptions : AuthenticationSchemeOptions
    {
        public string Token { get; set; } = string.Empty;
    }

    /// <summary>"Authorization: Bearer TOKEN", compared in constant time.</summary>
    internal sealed class TokenHandler(IOptionsMonitor<TokenOptions> options, ILoggerFactory logs, UrlEncoder encoder)
        : AuthenticationHandler<TokenOptions>(options, logs, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            const string prefix = "Bearer ";
            if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return Task.FromResult(AuthenticateResult.Fail("the Authorization header is not 'Bearer TOKEN'"));
            }

            if (!ApiToken.Matches(header[prefix.Length..].Trim(), Options.Token))
            {
                return Task.FromResult(AuthenticateResult.Fail("wrong token"));
            }

            var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "token")], Scheme.Name));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
        }
    }

    /// <summary>
    /// The page's sessions, in memory: the cookie carries only a random key (protected by data protection); the
    /// ticket stays here until it expires or the page signs out.
    /// </summary>
    internal sealed class SessionStore(TimeProvider time) : ITicketStore
    {
        private readonly ConcurrentDictionary<string, AuthenticationTicket> _sessions = new(StringComparer.Ordinal);

        public Task<string> StoreAsync(AuthenticationTicket ticket)
        {
            var now = time.GetUtcNow();
            foreach (var (key, old) in _sessions)
            {
                if (old.Properties.ExpiresUtc <= now)
                {
                    _sessions.TryRemove(key, out _);
                }
            }

            var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            _sessions[id] = ticket;
            return Task.FromResult(id);
        }

        public Task RenewAsync(string key, AuthenticationTicket ticket)
        {
            if (_sessions.ContainsKey(key))
            {
                _sessions[key] = ticket;
            }

            return Task.CompletedTask;
        }

        public Task<AuthenticationTicket?> RetrieveAsync(string key)
        {
            if (!_sessions.TryGetValue(key, out var ticket))
            {
                return Task.FromResult<AuthenticationTicket?>(null);
            }

            if (ticket.Properties.ExpiresUtc is { } expires && expires <= time.GetUtcNow())
            {
                _sessions.TryRemove(key, out _);
                return Task.FromResult<AuthenticationTicket?>(null);
            }

            return Task.FromResult<AuthenticationTicket?>(ticket);
        }

        public Task RemoveAsync(string key)
        {
            _sessions.TryRemove(key, out _);
            return Task.CompletedTask;
        }
    }

    /// <summary>A request authenticated by the page's session that changes something (or opens a WebSocket) must come from the page's own origin.</summary>
    internal sealed class SameOrigin : IAuthorizationRequirement;

    /// <summary>
    /// Checks <see cref="SameOrigin"/>: the token passes (a browser never sends it by itself); a session passes for
    /// GET/HEAD, and otherwise only when the browser says the request is same-origin (<c>Sec-Fetch-Site</c>) or, from a
    /// browser that does not send that, its <c>Origin</c> is this node's own. SameSite=Strict alone does not stop another
    /// port or subdomain of the same site.
    /// </summary>
    internal sealed class SameOriginHandler : AuthorizationHandler<SameOrigin>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SameOrigin requirement)
        {
            if (context.Resource is not HttpContext http || context.User.Identity?.AuthenticationType == TokenScheme)
            {
                context.Succeed(requirement);
                return Task.CompletedTask;
            }

            var request = http.Request;
            var reads = (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && !http.WebSockets.IsWebSocketRequest;
            var site = request.Headers["Sec-Fetch-Site"].ToString();
            var origin = request.Headers.Origin.ToString();
            var own = $"{request.Scheme}://{request.Host}";
            if (reads || site == "same-origin" || (site.Length == 0 && string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)))
            {
                context.Succeed(requirement);
            }
            else
            {
                context.Fail(new AuthorizationFailureReason(this,
                    $"a signed-in page may send this only from {own} itself (this request came from {(origin.Length > 0 ? origin : site.Length > 0 ? $"a {site} page" : "an unknown origin")})"));
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>A refusal by authentication or authorization, in the API's own error shape.</summary>
    internal sealed class ErrorAnswers : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
        {
            if (result.Challenged && context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
            {
                await Jobs.OpenAiApi.Unauthorized().ExecuteAsync(context); // OpenAI's clients read their own error shape
                return;
            }

            if (result.Challenged)
            {
                await ApiErrors.Of("missing or wrong bearer token (see api-token in the data directory), or the page's session has ended", StatusCodes.Status401Unauthorized).ExecuteAsync(context);
                return;
            }

            if (result.Forbidden)
            {
                var reasons = result.AuthorizationFailure?.FailureReasons.Select(r => r.Message).ToList() ?? [];
                await ApiErrors.Of(reasons.Count > 0 ? string.Join("; ", reasons) : "not allowed", StatusCodes.Status403Forbidden).ExecuteAsync(context);
                return;
            }

            await _default.HandleAsync(next, context, policy, result);
        }
    }
}

/// <summary>The two listeners a node serves (set when Kestrel binds them), to tell which one a request came in on.</summary>
internal sealed class Listeners
{
    public Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions? Api { get; set; }

    public Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions? Management { get; set; }

    /// <summary>The connection item the management listener marks its connections with.</summary>
    public const string ManagementKey = "mediacluster.management";

    /// <summary>True when <paramref name="context"/> came in on the management listener (its connection carries the mark).</summary>
    public bool IsManagement(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionItemsFeature>()?.Items.ContainsKey(ManagementKey) == true;
}
