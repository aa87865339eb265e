using System.Collections.Concurrent;
using System.Security.Claims;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace Uni.Authorize.Benchmarks;

/// <summary>Checking an already granted scope: the engine against a dictionary lookup (the limit) and against
/// ASP.NET Core's policy check of a scope claim (how .NET apps check a scope today).</summary>
[MemoryDiagnoser]
public class GrantedScopeBenchmarks
{
    private const string Scope = "scope.userLocation";

    private readonly ConcurrentDictionary<(string AppId, string UserId, string Scope), Decision> _dictionary = new();
    private Authorizer _authorizer = null!;
    private Authorizer _declared = null!;
    private AuthorizeCallbackRequest _callbacks = null!;
    private IAuthorizationService _aspNetCore = null!;
    private ClaimsPrincipal _user = null!;
    private ServiceProvider _services = null!;
    private int _successes;

    [GlobalSetup]
    public void Setup()
    {
        var subject = Subject.Default;
        _dictionary[(subject.AppId, subject.UserId, Scope)] = new Decision(subject, Scope, DecisionState.Granted, DecisionSource.Prompt, DateTimeOffset.UnixEpoch, null, 1);

        _authorizer = new Authorizer(new UniAuthorizeOptions { Platform = Platform.WeChat });
        new DecisionManager(_authorizer).SetDecisionAsync(subject, Scope, DecisionState.Granted).AsTask().GetAwaiter().GetResult();
        // An app with a manifest declaring the scope: its manifest and purpose version are read from the cache.
        _declared = new Authorizer(new UniAuthorizeOptions { Platform = Platform.WeChat, ManifestStore = new InMemoryAppManifestStore() });
        var declared = new DecisionManager(_declared);
        using (var appJson = System.Text.Json.JsonDocument.Parse("""{"permission": {"scope.userLocation": {"desc": "Nearby shops"}}}"""))
        {
            declared.SetManifestAsync(subject.AppId, Platform.WeChat, appJson.RootElement).AsTask().GetAwaiter().GetResult();
        }

        declared.SetDecisionAsync(subject, Scope, DecisionState.Granted).AsTask().GetAwaiter().GetResult();
        // Throws unless the grant holds under the declared purpose.
        _declared.AuthorizeAsync(Scope).AsTask().GetAwaiter().GetResult();

        _callbacks = new AuthorizeCallbackRequest { Scope = Scope, Success = _ => _successes++ };

        _services = new ServiceCollection()
            .AddLogging()
            .AddAuthorizationCore(o => o.AddPolicy(Scope, p => p.RequireClaim("scope", Scope)))
            .BuildServiceProvider();
        _aspNetCore = _services.GetRequiredService<IAuthorizationService>();
        _user = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", subject.UserId), new Claim("scope", Scope)], "test"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _authorizer.Dispose();
        _declared.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ConcurrentDictionary lookup (limit)")]
    public bool DictionaryLookup() =>
        _dictionary.TryGetValue((Subject.Default.AppId, Subject.Default.UserId, Scope), out var decision) && decision.State == DecisionState.Granted;

    [Benchmark(Description = "AuthorizeAsync, granted (awaitable)")]
    public AuthorizeResult AwaitableGranted()
    {
        var pending = _authorizer.AuthorizeAsync(Scope);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "AuthorizeAsync, granted, app with a manifest (awaitable)")]
    public AuthorizeResult AwaitableGrantedDeclared()
    {
        var pending = _declared.AuthorizeAsync(Scope);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "Authorize, granted (callbacks)")]
    public Task CallbackGranted() => _authorizer.Authorize(_callbacks);

    [Benchmark(Description = "ASP.NET Core IAuthorizationService (peer)")]
    public bool AspNetCorePolicy() => _aspNetCore.AuthorizeAsync(_user, Scope).GetAwaiter().GetResult().Succeeded;
}
