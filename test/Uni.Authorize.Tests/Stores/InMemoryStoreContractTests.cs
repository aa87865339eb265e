using Uni.Authorize.Testing;

namespace Uni.Authorize.Tests.Stores;

public sealed class InMemoryDecisionStoreContractTests : DecisionStoreContract
{
    protected override ValueTask<IDecisionStore> CreateStoreAsync() => new(new InMemoryDecisionStore());
}

public sealed class InMemoryAuthCodeStoreContractTests : AuthCodeStoreContract
{
    protected override ValueTask<IAuthCodeStore> CreateStoreAsync() => new(new InMemoryAuthCodeStore());
}

public sealed class InMemoryConsentStoreContractTests : ConsentStoreContract
{
    protected override ValueTask<IConsentStore> CreateStoreAsync() => new(new InMemoryConsentStore());
}

public sealed class InMemoryIdentityStoreContractTests : IdentityStoreContract
{
    protected override ValueTask<IIdentityStore> CreateStoreAsync() => new(new InMemoryIdentityStore());
}

public sealed class InMemoryWebhookStoreContractTests : WebhookStoreContract
{
    protected override ValueTask<IWebhookStore> CreateStoreAsync() => new(new InMemoryWebhookStore());

    protected override ValueTask<IDecisionStore> OpenDecisionStoreAsync(IWebhookStore webhooks) =>
        new(new InMemoryDecisionStore((InMemoryWebhookStore)webhooks));

    protected override ValueTask<IIdentityStore> OpenIdentityStoreAsync(IWebhookStore webhooks) =>
        new(new InMemoryIdentityStore((InMemoryWebhookStore)webhooks));
}

public sealed class InMemoryAppManifestStoreContractTests : AppManifestStoreContract
{
    protected override ValueTask<IAppManifestStore> CreateStoreAsync() => new(new InMemoryAppManifestStore());
}

public sealed class InMemoryAccessRecordStoreContractTests : AccessRecordStoreContract
{
    protected override ValueTask<IAccessRecordStore> CreateStoreAsync() => new(new InMemoryAccessRecordStore());
}
