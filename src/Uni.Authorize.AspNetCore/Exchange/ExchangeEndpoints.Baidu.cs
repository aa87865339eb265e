using Microsoft.AspNetCore.Http;

namespace Uni.Authorize.AspNetCore;

// Baidu's getSessionKeyByCode: POST spapi.baidu.com/oauth/jscode2sessionkey (formerly
// openapi.baidu.com/nalogin/getSessionKeyByCode) with a form {code, client_id, sk}, answered {openid, session_key} or
// {errno, error, error_description}. Baidu documents 10010100 "parameter is invalid"; the other errno values are ours
// (docs/platforms.md).
internal static partial class ExchangeEndpoints
{
    public const int BaiduInvalidParameter = 10010100;
    public const int BaiduInvalidClient = 10010101;
    public const int BaiduInvalidCode = 10010102;
    public const int BaiduLimited = 10010103;

    private static async Task<IResult> BaiduGetSessionKeyByCodeAsync(
        HttpContext context, HostIdentities identities, AuthCodeService authCodes, Pseudonyms pseudonyms, bool mirror)
    {
        IResult Error(int aliasStatus, int errNo, string error, string description) =>
            TypedResults.Json(new BaiduSessionResponse { ErrNo = errNo, Error = error, ErrorDescription = description },
                HostJson.Default.BaiduSessionResponse, statusCode: StatusOf(mirror, aliasStatus));

        // Baidu names the secret "sk".
        if (SecretInQuery(context, alsoSecret: "sk"))
        {
            return Error(StatusCodes.Status400BadRequest, BaiduInvalidParameter, "parameter is invalid",
                "sk was sent in the query string, which logs keep; send it in an application/x-www-form-urlencoded body, and change it if the URL may have been logged");
        }

        var form = await ReadFormAsync(context).ConfigureAwait(false);
        if (!OwnBudget(context, form is null ? null : Single(form, "client_id")))
        {
            return Error(StatusCodes.Status429TooManyRequests, BaiduLimited, "request is limited", "too many requests for this app from this address, retry later");
        }

        if (form is null || NonEmpty(form, "code") is null)
        {
            return Error(StatusCodes.Status400BadRequest, BaiduInvalidParameter, "parameter is invalid",
                "send code, client_id and sk once each as an application/x-www-form-urlencoded body in UTF-8");
        }

        var app = await AuthenticateAsync(identities, Platform.Baidu, Single(form, "client_id"), Single(form, "sk"), context.RequestAborted).ConfigureAwait(false);
        if (app is null)
        {
            return Error(StatusCodes.Status401Unauthorized, BaiduInvalidClient, "client is invalid", "unknown client_id or wrong sk");
        }

        var user = await RedeemAsync(authCodes, app.Id, Single(form, "code"), anonymous: false, context.RequestAborted).ConfigureAwait(false);
        if (user is null)
        {
            return Error(StatusCodes.Status400BadRequest, BaiduInvalidCode, "code is invalid", "the code is wrong, used, expired or another app's");
        }

        return TypedResults.Json(new BaiduSessionResponse
        {
            OpenId = await pseudonyms.BaiduOpenIdAsync(app.Id, user, context.RequestAborted).ConfigureAwait(false),
            SessionKey = await SecretBound.NewSessionKeyAsync(identities.Store, app, user, context.RequestAborted).ConfigureAwait(false),
        }, HostJson.Default.BaiduSessionResponse);
    }
}
