using Microsoft.AspNetCore.Http;

namespace Uni.Authorize.AspNetCore;

// ByteDance's code2Session v2: POST developer.toutiao.com/api/apps/v2/jscode2session with a JSON body
// {appid, secret, code, anonymous_code}, answered {err_no, err_tips, log_id, data} with HTTP 200.
internal static partial class ExchangeEndpoints
{
    private static async Task<IResult> ByteDanceJsCode2SessionAsync(
        HttpContext context, HostIdentities identities, AuthCodeService authCodes, Pseudonyms pseudonyms, bool mirror)
    {
        IResult Error(int aliasStatus, int errNo, string errTips) =>
            TypedResults.Json(new ByteDanceSessionResponse { ErrNo = errNo, ErrTips = errTips, LogId = context.TraceIdentifier },
                HostJson.Default.ByteDanceSessionResponse, statusCode: StatusOf(mirror, aliasStatus));

        if (SecretInQuery(context))
        {
            return Error(StatusCodes.Status400BadRequest, 40014,
                "bad params: the secret was sent in the query string, which logs keep; send it in a JSON body, and change it if the URL may have been logged");
        }

        var body = await ReadJsonOrFormAsync(context).ConfigureAwait(false);
        if (!OwnBudget(context, body is null ? null : Single(body, "appid")))
        {
            return Error(StatusCodes.Status429TooManyRequests, -1, "system busy: too many requests for this app from this address, retry later");
        }

        if (body is null)
        {
            return Error(StatusCodes.Status400BadRequest, 40014,
                "bad params: send appid, secret and code or anonymous_code as a JSON object body in UTF-8");
        }

        var code = NonEmpty(body, "code");
        var anonymousCode = NonEmpty(body, "anonymous_code");
        if (code is null && anonymousCode is null)
        {
            return Error(StatusCodes.Status400BadRequest, 40014, "bad params: code and anonymous_code cannot both be empty");
        }

        var app = await AuthenticateAsync(identities, Platform.ByteDance, Single(body, "appid"), Single(body, "secret"), context.RequestAborted).ConfigureAwait(false);
        if (app is null)
        {
            return Error(StatusCodes.Status401Unauthorized, 40017, "bad secret: the appid and secret do not match a registered ByteDance app");
        }

        // Both codes are tried (and so used up) before either outcome is answered.
        var user = code is null ? null : await RedeemAsync(authCodes, app.Id, code, anonymous: false, context.RequestAborted).ConfigureAwait(false);
        var anonymousUser = anonymousCode is null ? null : await RedeemAsync(authCodes, app.Id, anonymousCode, anonymous: true, context.RequestAborted).ConfigureAwait(false);
        if (code is not null && user is null)
        {
            return Error(StatusCodes.Status400BadRequest, 40018, "bad code: the code is wrong, used, expired or another app's");
        }

        if (anonymousCode is not null && anonymousUser is null)
        {
            return Error(StatusCodes.Status400BadRequest, 40019, "bad anonymous_code: the anonymous_code is wrong, used, expired or another app's");
        }

        var ct = context.RequestAborted;
        return TypedResults.Json(new ByteDanceSessionResponse
        {
            LogId = context.TraceIdentifier,
            Data = new ByteDanceSession(
                user is null ? string.Empty : await SecretBound.NewSessionKeyAsync(identities.Store, app, user, ct).ConfigureAwait(false),
                user is null ? string.Empty : await pseudonyms.ByteDanceOpenIdAsync(app.Id, user, ct).ConfigureAwait(false),
                anonymousUser is null ? string.Empty : await pseudonyms.ByteDanceAnonymousOpenIdAsync(app.Id, anonymousUser, ct).ConfigureAwait(false),
                user is null ? string.Empty : await pseudonyms.UnionIdAsync(user, ct).ConfigureAwait(false)),
        }, HostJson.Default.ByteDanceSessionResponse);
    }
}
