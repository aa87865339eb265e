namespace Uni.Authorize;

/// <summary>When a refused scope was refused: Alipay answers each case with its own code.</summary>
internal enum Refusal
{
    /// <summary>Refused in an earlier call and kept: the call failed without a dialog.</summary>
    Earlier = 0,

    /// <summary>Refused in this call's dialog and not kept: the next call asks again.</summary>
    Now = 1,

    /// <summary>Refused in this call's dialog with "don't ask again": kept.</summary>
    NowKept = 2,
}
