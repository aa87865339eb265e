namespace Uni.Authorize.Testing;

/// <summary>Assertions shared by the contract classes.</summary>
public static class ContractAssert
{
    /// <summary>Asserts that <paramref name="call"/> fails with a store error: not a hang (timeout) and not a cancellation.</summary>
    public static async Task<Exception> FailsAsync(Func<Task> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var exception = await Record.ExceptionAsync(call);
        Assert.NotNull(exception);
        Assert.False(exception is TimeoutException or OperationCanceledException, $"Expected a store error, got {exception}");
        return exception;
    }
}
