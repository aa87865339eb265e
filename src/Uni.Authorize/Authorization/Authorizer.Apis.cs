namespace Uni.Authorize;

public sealed partial class Authorizer
{
    // An API the platform runs without asking (WeChat's chooseImage): nothing to decide, but the target must be valid,
    // and on WeChat the privacy agreement still comes first when the app declares a contract.
    private async ValueTask<AuthorizeOutcome> OpenApiAsync(string api, Subject subject, Platform platform, bool requiresPrivacyAgreement, CancellationToken cancellationToken)
    {
        if (ValidateTarget(platform, subject, api) is { } invalid)
        {
            return new AuthorizeOutcome(invalid);
        }

        var (manifest, failure) = await ManifestAsync(subject, platform, api, cancellationToken).ConfigureAwait(false);
        if ((failure ?? Undeclared(manifest, platform, [], api)) is { } refused)
        {
            return new AuthorizeOutcome(refused);
        }

        if (requiresPrivacyAgreement && platform == Platform.WeChat
            && await PrivacyRefusalAsync(subject, platform, api, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return new AuthorizeOutcome(refusal);
        }

        return new AuthorizeOutcome(ApiOutcomes.Open(platform, api));
    }
}
