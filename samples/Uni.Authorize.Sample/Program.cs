using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Uni.Authorize;
using Uni.Authorize.Sample;

// The seed's example: authorize scope.userLocation with callbacks, then again as a promise.
var platformOption = new Option<Platform>("--platform") { Description = "WeChat, Alipay, ByteDance, Baidu, Kuaishou or Web", DefaultValueFactory = _ => Platform.WeChat };
var scopeOption = new Option<string>("--scope") { Description = "The scope to ask for", DefaultValueFactory = _ => "scope.userLocation" };
var root = new RootCommand("Replays the seed's authorize example with a consent prompt in the terminal.") { platformOption, scopeOption };
root.SetAction(async (parse, cancellationToken) =>
{
    if (Console.IsInputRedirected)
    {
        AnsiConsole.MarkupLine("[red]This sample asks you in the terminal; run it in an interactive terminal.[/]");
        return 2;
    }

    var platform = parse.GetValue(platformOption);
    var scope = parse.GetValue(scopeOption)!;
    using var authorizer = new Authorizer(new UniAuthorizeOptions { Platform = platform, Prompter = new TerminalPrompter(AnsiConsole.Console) });

    for (var round = 1; round <= 2; round++)
    {
        AnsiConsole.MarkupLine($"[bold]authorize({{ scope: '{scope.EscapeMarkup()}', success, fail, complete }})[/] round {round}");
        await authorizer.Authorize(new AuthorizeCallbackRequest
        {
            Scope = scope,
            Success = res => AnsiConsole.MarkupLine($"[green]success[/] {Json(res.Native)}"),
            Fail = err => AnsiConsole.MarkupLine($"[red]fail[/] {Json(err.Native)} [grey]({err.Code}: {err.Message.EscapeMarkup()})[/]"),
            Complete = _ => AnsiConsole.MarkupLine("complete"),
            CancellationToken = cancellationToken,
        });
    }

    AnsiConsole.MarkupLine($"[bold]authorize({{ scope: '{scope.EscapeMarkup()}' }}).then(...)[/]");
    var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(scope), cancellationToken);
    AnsiConsole.MarkupLine(outcome.Succeeded ? "[green]resolved[/] " + Json(outcome.Native) : "[red]rejected[/] " + Json(outcome.Native));
    AnsiConsole.MarkupLine($"getSetting: {Json((await authorizer.GetSettingAsync(cancellationToken: cancellationToken)).Native)}");
    return 0;
});
return await root.Parse(args).InvokeAsync();

static string Json(IReadOnlyDictionary<string, object?> payload) => JsonSerializer.Serialize(payload).EscapeMarkup();
