namespace Uni.Authorize;

/// <summary>The mini-program platform whose rules, scope names and payloads apply.</summary>
public enum Platform
{
    /// <summary>WeChat mini-programs (<c>wx</c>).</summary>
    WeChat = 0,

    /// <summary>Alipay mini-apps (<c>my</c>).</summary>
    Alipay = 1,

    /// <summary>ByteDance micro-apps (<c>tt</c>).</summary>
    ByteDance = 2,

    /// <summary>Baidu smart programs (<c>swan</c>).</summary>
    Baidu = 3,

    /// <summary>Kuaishou mini-programs (<c>ks</c>).</summary>
    Kuaishou = 4,

    /// <summary>The web: <c>authorize</c> is not supported there; every call fails.</summary>
    Web = 5,
}
