using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>Who acts on the admin API: <see cref="ByKey"/> when the caller sent <c>X-Admin-Key</c>, otherwise an operator
/// signed in through the application's own authentication (see <see cref="UniAuthorizeHostOptions.OperatorPolicy"/>).</summary>
internal sealed record Operator(string Name, bool ByKey)
{
    public const string KeyName = "admin-key";
}

/// <summary>The admin group's filter: the admin key in <c>X-Admin-Key</c>, or a principal that satisfies the operator
/// policy; an operator signed in by cookie also needs an antiforgery token on every call that changes state.</summary>
internal static partial class OperatorAccess
{
    public const string KeyHeader = "X-Admin-Key";

    /// <summary>The operator that <see cref="RequireOperatorAsync"/> admitted for this request.</summary>
    public static Operator Current(HttpContext context) =>
        context.Features.Get<Operator>() ?? throw new InvalidOperationException("The operator filter did not run for this endpoint.");

    public static async ValueTask<object?> RequireOperatorAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var (@operator, problem) = await AuthenticateAsync(context).ConfigureAwait(false);
        if (@operator is null)
        {
            return problem;
        }

        if (!@operator.ByKey && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
            && await UserAccess.AntiforgeryProblemAsync(context).ConfigureAwait(false) is { } forged)
        {
            return forged;
        }

        context.Features.Set(@operator);
        return await next(invocation).ConfigureAwait(false);
    }

    /// <summary>Writes what an operator changed to the log (the operator's name, never a secret).</summary>
    public static void Audit(HttpContext context, string action, string target)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Uni.Authorize.AspNetCore.Operator");
        LogAction(logger, Current(context).Name, action, target);
    }

    /// <summary>The operator of the request, or the problem to answer instead.</summary>
    public static async ValueTask<(Operator? Operator, IResult? Problem)> AuthenticateAsync(HttpContext context)
    {
        // The current settings: a changed admin key is refused (and the new one taken) without a restart.
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<UniAuthorizeHostOptions>>().CurrentValue;
        var presented = context.Request.Headers[KeyHeader];
        if (presented.Count > 0 || (options.OperatorPolicy is null && !options.OperatorKeySignIn))
        {
            if (options.AdminKey is null)
            {
                return (null, Problems.Forbidden("admin_disabled", options.OperatorPolicy is null
                    ? "The admin API is disabled: no admin key and no operator policy are configured."
                    : "No admin key is configured: sign in as an operator instead of sending X-Admin-Key."));
            }

            var budgets = context.RequestServices.GetRequiredService<ClientBudgets>();
            if (budgets.AdminKeyLockedOut(context))
            {
                return (null, ClientBudgets.AdminKeyProblem());
            }

            if (presented.Count == 1 && Secrets.Matches(presented[0], Secrets.Hash(options.AdminKey)))
            {
                return (new Operator(Operator.KeyName, ByKey: true), null);
            }

            budgets.AdminKeyFailed(context);
            return (null, Problems.Unauthorized("admin_key_invalid", $"Send the admin key in the '{KeyHeader}' header."));
        }

        var policy = options.OperatorPolicy is null ? OperatorSignIn.Policy
            : await context.RequestServices.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(options.OperatorPolicy).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"UniAuthorizeHostOptions.OperatorPolicy names the authorization policy '{options.OperatorPolicy}', which is not registered.");
        var evaluator = context.RequestServices.GetRequiredService<IPolicyEvaluator>();
        var authentication = await evaluator.AuthenticateAsync(policy, context).ConfigureAwait(false);
        var authorization = await evaluator.AuthorizeAsync(policy, authentication, context, resource: null).ConfigureAwait(false);
        if (authorization.Succeeded)
        {
            return (new Operator(context.User.Identity?.Name is { Length: > 0 } name ? name : "operator", ByKey: false), null);
        }

        return authorization.Challenged
            ? (null, Problems.Unauthorized("operator_sign_in_required", $"Sign in as an operator, or send the admin key in the '{KeyHeader}' header."))
            : (null, Problems.Forbidden("operator_required", "The signed-in user is not an operator."));
    }

    [LoggerMessage(1, LogLevel.Information, "Operator {Operator}: {Action} {Target}")]
    private static partial void LogAction(ILogger logger, string @operator, string action, string target);
}
