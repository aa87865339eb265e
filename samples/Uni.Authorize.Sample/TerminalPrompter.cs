using Spectre.Console;
using Uni.Authorize;

namespace Uni.Authorize.Sample;

/// <summary>The consent dialog, in the terminal.</summary>
internal sealed class TerminalPrompter(IAnsiConsole console) : IAuthorizationPrompter
{
    private const string Allow = "Allow 允许";
    private const string Deny = "Deny 拒绝";
    private const string Close = "Close without choosing 关闭";

    public ValueTask<PromptResult> PromptAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        var scopes = string.Join("\n", request.Scopes.Select(s => $"  • {s.DescriptionZh} ({s.DescriptionEn}) [grey]{s.Name}[/]"));
        console.Write(new Panel(new Markup($"[bold]{request.Subject.AppId}[/] asks for:\n{scopes}"))
            .Header($"{request.Platform} · authorize")
            .BorderColor(Color.Green));
        var answer = console.Prompt(new SelectionPrompt<string>().AddChoices(Allow, Deny, Close));
        return new(answer switch
        {
            Allow => PromptResult.Allow,
            Deny => PromptResult.Deny,
            _ => PromptResult.Dismissed,
        });
    }
}
