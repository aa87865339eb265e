using Microsoft.AspNetCore.Http;

namespace Uni.Authorize.AspNetCore;

/// <summary>RFC 7807 problem details with a stable machine-readable <c>code</c>.</summary>
internal static class Problems
{
    public static IResult Create(int status, string code, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: Title(status), type: "https://uni-authorize.dev/problems/" + code,
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = code });

    public static IResult BadRequest(string code, string detail) => Create(StatusCodes.Status400BadRequest, code, detail);

    public static IResult NotFound(string code, string detail) => Create(StatusCodes.Status404NotFound, code, detail);

    /// <summary>The answer to a path naming an app that does not exist (or an id no app can have).</summary>
    public static IResult AppNotFound() => NotFound("app_not_found", "No app with this id.");

    public static IResult Unauthorized(string code, string detail) => Create(StatusCodes.Status401Unauthorized, code, detail);

    public static IResult Forbidden(string code, string detail) => Create(StatusCodes.Status403Forbidden, code, detail);

    public static IResult Unavailable(string detail) => Create(StatusCodes.Status503ServiceUnavailable, "store_unavailable", detail);

    private static string Title(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Request too large",
        415 => "Unsupported media type",
        429 => "Too many requests",
        503 => "Service unavailable",
        _ => "Error",
    };
}
