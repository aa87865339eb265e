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
