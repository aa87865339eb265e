namespace Uni.Authorize.AspNetCore;

/// <summary>
/// Answers Alipay's <c>zhima.credit.score.brief.get</c> (whether a user's Zhima credit score reaches the app's threshold)
/// for users who granted <c>auth_zhima</c>. Register one to serve the call; without one the host answers Alipay's
/// "service unavailable" error and never invents a score.
/// </summary>
public interface IZhimaCreditProvider
{
    /// <summary>Whether the user's score reaches <see cref="ZhimaCreditRequest.AdmittanceScore"/>.</summary>
    ValueTask<ZhimaCreditBrief> GetScoreBriefAsync(ZhimaCreditRequest request, CancellationToken cancellationToken = default);
}

/// <summary>One <c>zhima.credit.score.brief.get</c> call of an app's server, for a user who granted <c>auth_zhima</c>.</summary>
/// <param name="AppId">The calling app.</param>
/// <param name="UserId">The host's user the access token acts for.</param>
/// <param name="TransactionId">The app's own id of the query (<c>transaction_id</c>).</param>
/// <param name="ProductCode">The product the app signed for (<c>product_code</c>).</param>
/// <param name="AdmittanceScore">The threshold the score is compared with (<c>admittance_score</c>).</param>
public sealed record ZhimaCreditRequest(string AppId, string UserId, string TransactionId, string ProductCode, int AdmittanceScore);

/// <summary>The answer: whether the score reaches the threshold, and the query's id at the credit bureau.</summary>
/// <param name="IsAdmittance">Whether the score is at least the threshold (<c>is_admittance</c>: <c>Y</c> or <c>N</c>).</param>
/// <param name="BizNo">The bureau's id of the query (<c>biz_no</c>).</param>
public sealed record ZhimaCreditBrief(bool IsAdmittance, string BizNo);
