using Microsoft.AspNetCore.Http;

namespace Uni.Authorize.AspNetCore;

// Kuaishou's code2Session: POST open.kuaishou.com/oauth2/mp/code2session with a form {app_id, app_secret, js_code},
// answered {result: 1, session_key, open_id} or {result, error_msg} with HTTP 200.
internal static partial class ExchangeEndpoints
{
    private static async Task<IResult> KuaishouCode2SessionAsync(
        HttpContext context, HostIdentities identities, AuthCodeService authCodes, Pseudonyms pseudonyms, bool mirror)
    {
        IResult Error(int aliasStatus, int result, string message) =>
            TypedResults.Json(new KuaishouSessionResponse { Result = result, ErrorMsg = message },
                HostJson.Default.KuaishouSessionResponse, statusCode: StatusOf(mirror, aliasStatus));

        if (SecretInQuery(context))
        {
            return Error(StatusCodes.Status400BadRequest, 100200100,
                "app_secret was sent in the query string, which logs keep; send it in an application/x-www-form-urlencoded body, and change it if the URL may have been logged");
        }

        var form = await ReadFormAsync(context).ConfigureAwait(false);
        if (!OwnBudget(context, form is null ? null : Single(form, "app_id")))
        {
            return Error(StatusCodes.Status429TooManyRequests, -1, "too many requests for this app from this address, retry later");
        }

        if (form is null || NonEmpty(form, "js_code") is null)
        {
            return Error(StatusCodes.Status400BadRequest, 100200100,
                "send app_id, app_secret and js_code once each as an application/x-www-form-urlencoded body in UTF-8");
        }

        var app = await AuthenticateAsync(identities, Platform.Kuaishou, Single(form, "app_id"), Single(form, "app_secret"), context.RequestAborted).ConfigureAwait(false);
        if (app is null)
        {
            return Error(StatusCodes.Status401Unauthorized, 100200101, "app_id and app_secret do not match a registered Kuaishou app");
        }

        var user = await RedeemAsync(authCodes, app.Id, Single(form, "js_code"), anonymous: false, context.RequestAborted).ConfigureAwait(false);
        if (user is null)
        {
            return Error(StatusCodes.Status400BadRequest, 240001, "code非法: the code is wrong, used, expired or another app's");
        }

        return TypedResults.Json(new KuaishouSessionResponse
        {
            SessionKey = await SecretBound.NewSessionKeyAsync(identities.Store, app, user, context.RequestAborted).ConfigureAwait(false),
            OpenId = await pseudonyms.KuaishouOpenIdAsync(app.Id, user, context.RequestAborted).ConfigureAwait(false),
        }, HostJson.Default.KuaishouSessionResponse);
    }
}
