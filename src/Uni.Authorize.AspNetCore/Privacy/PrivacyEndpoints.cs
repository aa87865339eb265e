using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>WeChat's privacy agreement for a mini-app session: <c>getPrivacySetting</c>, <c>requirePrivacyAuthorize</c>
/// (a consent the user answers in the host's consent page, like any other) and the contract <c>openPrivacyContract</c>
/// shows.</summary>
internal static class PrivacyEndpoints
{
    private const string RequireApi = "requirePrivacyAuthorize";

    public static void Map(IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/privacy").AddEndpointFilter(RequireWeChatAsync);
        group.MapGet(string.Empty, GetPrivacySettingAsync).Produces<PrivacySettingResponse>();
        group.MapPost("/authorize", RequirePrivacyAuthorizeAsync).Produces<CallResponse>().Produces<CallResponse>(202);
        group.MapGet("/contract", GetContractAsync).Produces<PrivacyContractResponse>();
    }

    /// <summary>The app's contract: the one an operator set on the app, else the one declared in the options, else <see langword="null"/>.</summary>
    public static PrivacyContract? ContractOf(UniAuthorizeHostOptions options, HostApp app) =>
        app is { PrivacyContractName: { } name, PrivacyContractUrl: { } url } ? new PrivacyContract { Name = name, Url = url }
        : options.PrivacyContracts.TryGetValue(app.Id, out var contract) ? contract
        : null;

    /// <summary>Whether the session's app has a contract, so its scopes need the user's agreement first.</summary>
    public static bool RequiresAgreement(UniAuthorizeHostOptions options, SessionContext session) =>
        session.App.PrivacyContractName is not null || options.PrivacyContracts.ContainsKey(session.App.Id);

    private static async Task<IResult> GetPrivacySettingAsync(HttpContext context, SessionContext session, Authorizer authorizer,
        IOptions<UniAuthorizeHostOptions> options)
    {
        var contract = ContractOf(options.Value, session.App);
        if (contract is null)
        {
            return TypedResults.Json(new PrivacySettingResponse(false, string.Empty, "getPrivacySetting:ok"), BridgeJson.Default.PrivacySettingResponse);
        }

        try
        {
            var state = await authorizer.GetPrivacyAgreementAsync(session.Subject, context.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(new PrivacySettingResponse(state != DecisionState.Granted, contract.Name, "getPrivacySetting:ok"),
                BridgeJson.Default.PrivacySettingResponse);
        }
        catch (AuthorizeException ex)
        {
            return Problems.Unavailable(ex.Error.Message);
        }
    }

    private static async Task<IResult> RequirePrivacyAuthorizeAsync(HttpContext context, SessionContext session, Authorizer authorizer,
        PendingCalls calls, IOptions<UniAuthorizeHostOptions> options, TimeProvider time)
    {
        var (wait, waitProblem) = SessionAccess.Wait(context, options.Value);
        if (waitProblem is not null)
        {
            return waitProblem;
        }

        if (ContractOf(options.Value, session.App) is null)
        {
            // No contract declared: nothing to agree to, as on WeChat.
            return TypedResults.Json(new CallResponse("ok", PlatformNames.Of(Platform.WeChat))
            {
                ErrMsg = RequireApi + ":ok",
                Scopes = [],
                Native = new Dictionary<string, object?>(StringComparer.Ordinal) { ["errMsg"] = RequireApi + ":ok" },
            }, HostJson.Default.CallResponse);
        }

        var request = new CallRequest(CallRequest.PrivacyKind, null, null, null, Privacy: true);
        return await MiniAppEndpoints.AnswerAsync(context, request, session, wait, authorizer, calls, time).ConfigureAwait(false);
    }

    private static async Task<IResult> GetContractAsync(HttpContext context, SessionContext session, IOptions<UniAuthorizeHostOptions> options)
    {
        if (ContractOf(options.Value, session.App) is not { } contract)
        {
            return Problems.NotFound("no_privacy_contract", "This app declares no privacy contract.");
        }

        // A URL stored before the rule held is not handed to the bridge to open.
        return PrivacyContract.IsValidUrl(contract.Url)
            ? TypedResults.Json(new PrivacyContractResponse(contract.Name, contract.Url), BridgeJson.Default.PrivacyContractResponse)
            : Problems.Create(StatusCodes.Status409Conflict, "invalid_privacy_contract", $"The app's privacy contract URL is not {LocalUrl.Rule}; an operator must set it again.");
    }

    /// <summary>The privacy agreement and plugins are WeChat rules: other platforms' sessions get a 400.</summary>
    public static async ValueTask<object?> RequireWeChatAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var session = invocation.HttpContext.Features.Get<SessionContext>();
        return session is null || session.App.Platform == Platform.WeChat
            ? await next(invocation).ConfigureAwait(false)
            : Problems.BadRequest("wechat_only", $"This is a WeChat rule; the app's platform is {PlatformNames.Of(session.App.Platform)}.");
    }
}

/// <summary>WeChat's <c>getPrivacySetting</c> success payload, as is.</summary>
internal sealed record PrivacySettingResponse(bool NeedAuthorization, string PrivacyContractName, string ErrMsg);

internal sealed record PrivacyContractResponse(string Name, string Url);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PrivacySettingResponse))]
[JsonSerializable(typeof(PrivacyContractResponse))]
internal sealed partial class BridgeJson : JsonSerializerContext;
