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
        routes.MapPost("/api/v1/plugin/authorize", AuthorizeAsync).WithTags("Mini-app")
            .Accepts<AuthorizeBody>("application/json").Produces<CallResponse>().Produces<CallResponse>(202);

    private static async Task<IResult> AuthorizeAsync(HttpContext context, HostIdentities identities, Authorizer authorizer, PendingCalls calls,
        IHostApplicationLifetime lifetime, IOptions<UniAuthorizeHostOptions> options, TimeProvider time)
    {
        var (session, problem) = await PrivacyEndpoints.WeChatSessionAsync(context, identities).ConfigureAwait(false);
        if (session is null)
        {
            return problem!;
        }

        var (wait, waitProblem) = SessionAccess.Wait(context, options.Value);
        if (waitProblem is not null)
        {
            return waitProblem;
        }

        var (body, bodyProblem) = await JsonBody.ReadAsync(context, HostJson.Default.AuthorizeBody).ConfigureAwait(false);
        if (body is null)
        {
            return bodyProblem!;
        }

        if (body.Scope is null || body.Scopes is not null)
        {
            return Problems.BadRequest("invalid_scope", "Send one 'scope' (a string); a plugin asks for one scope per call.");
        }

        var request = new AuthorizeRequest(body.Scope)
        {
            Subject = session.Subject,
            Platform = session.App.Platform,
            RequiresPrivacyAgreement = PrivacyEndpoints.ContractOf(options.Value, session.App.Id) is not null,
        };
        var pending = authorizer.TryAuthorizeForMiniProgramAsync(request, lifetime.ApplicationStopping);
        return await MiniAppEndpoints.AnswerAsync(context, pending, session, wait, calls, options.Value, time).ConfigureAwait(false);
    }
}
