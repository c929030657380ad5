using MediaCluster.Messages.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaCluster.Node;

/// <summary>The one error shape every route answers with: <c>{"error": "a sentence naming the cause"}</c> and a status.</summary>
internal static class ApiErrors
{
    public static JsonHttpResult<ApiError> Of(string message, int status) => TypedResults.Json(new ApiError(message), ApiJson.Options, statusCode: status);

    public static JsonHttpResult<ApiError> NoSuchJob(string id) => Of($"no job '{id}'", StatusCodes.Status404NotFound);
}
