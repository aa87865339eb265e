namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>Signals wake only the waiters they concern, so that many waiting calls do not all look at the store at
/// every change.</summary>
public sealed class SignalBoardTests
{
    [Fact]
    public void Raise_ConsentChanged_WakesThatConsentAndItsUserOnly()
    {
        var board = new SignalBoard();
        var consent = board.NextAsync(SignalBoard.Consent("c1"));
        var user = board.NextAsync(SignalBoard.User("alice"));
        var otherConsent = board.NextAsync(SignalBoard.Consent("c2"));
        var otherUser = board.NextAsync(SignalBoard.User("bob"));
        var call = board.NextAsync(SignalBoard.Call("c1"));

        board.Raise(new ConsentSignal(ConsentSignalKind.ConsentChanged, "c1", "alice"));

        Assert.True(consent.IsCompleted);
        Assert.True(user.IsCompleted);
        Assert.False(otherConsent.IsCompleted);
        Assert.False(otherUser.IsCompleted);
        Assert.False(call.IsCompleted);
    }

    [Fact]
    public void Raise_CallFinished_WakesThatCallsPollersOnce()
    {
        var board = new SignalBoard();
        var first = board.NextAsync(SignalBoard.Call("k1"));
        var sameGeneration = board.NextAsync(SignalBoard.Call("k1"));

        board.Raise(new ConsentSignal(ConsentSignalKind.CallFinished, "k1"));
        var next = board.NextAsync(SignalBoard.Call("k1"));

        Assert.Same(first, sameGeneration);
        Assert.True(first.IsCompleted);
        Assert.False(next.IsCompleted);
    }

    [Fact]
    public void Raise_SessionRevoked_WakesNoWaiter()
    {
        var board = new SignalBoard();
        var consent = board.NextAsync(SignalBoard.Consent("hash"));

        board.Raise(new ConsentSignal(ConsentSignalKind.SessionRevoked, "hash"));

        Assert.False(consent.IsCompleted);
    }
}
