using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>WeChat plugin authorization (<c>authorizeForMiniProgram</c>): a plugin inside the session's app asks for
/// scope.record, scope.writePhotosAlbum or scope.camera; the decision belongs to the host app.</summary>
internal static class PluginEndpoints
{
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapPost("/plugin/authorize", AuthorizeAsync).AddEndpointFilter(PrivacyEndpoints.RequireWeChatAsync)
            .Accepts<AuthorizeBody>("application/json").Produces<CallResponse>().Produces<CallResponse>(202);

    private static async Task<IResult> AuthorizeAsync(HttpContext context, SessionContext session, Authorizer authorizer, PendingCalls calls,
        IOptions<UniAuthorizeHostOptions> options, TimeProvider time)
    {
        var (wait, body, problem) = await MiniAppEndpoints.ReadScopeCallAsync(context, options.Value).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Scope is null || body.Scopes is not null)
        {
            return Problems.BadRequest("invalid_scope", "Send one 'scope' (a string); a plugin asks for one scope per call.");
        }

        var request = new CallRequest(CallRequest.PluginKind, body.Scope, null, null, PrivacyEndpoints.RequiresAgreement(options.Value, session));
        return await MiniAppEndpoints.AnswerAsync(context, request, session, wait, authorizer, calls, time).ConfigureAwait(false);
    }
}
