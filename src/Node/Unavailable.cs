using Akka.Actor;
using MediaCluster.Actors.Hosting;

namespace MediaCluster.Node;

/// <summary>
/// While the journal or the job index is away, requests that need them are answered at once with 503 and Retry-After,
/// naming the cause, instead of waiting out an actor's ask and failing with 500; an ask that fails for that reason
/// anywhere else gets the same answer.
/// </summary>
internal static class Unavailable
{
    /// <summary>What a client is told to wait before it tries again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public static async Task AnswerAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path.StartsWithSegments("/api/jobs")
            && context.RequestServices.GetRequiredService<NodeHealth>().Outage is { } outage)
        {
            await RefuseAsync(context, outage);
            return;
        }

        try
        {
            await next(context);
        }
        catch (Exception ex) when (ServiceUnavailableException.IsCause(ex) && !context.Response.HasStarted)
        {
            await RefuseAsync(context, ex is AskTimeoutException ? "the cluster did not answer in time" : ex.Message);
        }
    }

    private static async Task RefuseAsync(HttpContext context, string reason)
    {
        context.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ApiErrors.Of($"{reason}; try again in a few seconds", StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
    }
}
