using System.Diagnostics;
using System.Text.Json;

namespace Uni.Authorize.AspNetCore.Tests.Webhooks;

/// <summary>Runs test/bridge/support/verify-webhook.js: the <c>standardwebhooks</c> npm package verifying a delivery.
/// Needs <c>node</c> and <c>npm ci</c> in test/bridge (build/test.sh runs it); without them the test is skipped, except
/// under CI=true, where it fails.</summary>
internal static class NodeWebhookVerifier
{
    /// <summary>The process's exit code and output: 0 and the event's JSON when the library accepts the delivery.</summary>
    public static async Task<(int ExitCode, string Output)> VerifyAsync(string secret, Delivery delivery)
    {
        var bridge = BridgeFolder();
        var problem = !File.Exists(Path.Combine(bridge, "node_modules", "standardwebhooks", "package.json"))
            ? "the standardwebhooks npm package is missing: run npm ci in test/bridge (build/test.sh does)."
            : null;
        var start = new ProcessStartInfo("node", Path.Combine(bridge, "support", "verify-webhook.js"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = bridge,
        };
        Process? process = null;
        if (problem is null)
        {
            try
            {
                process = Process.Start(start);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                problem = "node is missing: build/test.sh installs it.";
            }
        }

        if (process is null)
        {
            problem ??= "node did not start.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail("The npm verifier is required on CI: " + problem);
            }

            Assert.Skip(problem);
        }

        using (process)
        {
            var input = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["secret"] = secret,
                ["headers"] = new Dictionary<string, string>
                {
                    ["webhook-id"] = delivery.Id,
                    ["webhook-timestamp"] = delivery.Timestamp,
                    ["webhook-signature"] = delivery.Signature,
                },
                ["body"] = Convert.ToBase64String(delivery.Body),
            });
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TestHost.Patience);
            await process.WaitForExitAsync().WaitAsync(TestHost.Patience);
            return (process.ExitCode, output);
        }
    }

    private static string BridgeFolder()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Uni.Authorize.slnx")))
        {
            root = root.Parent;
        }

        return Path.Combine(root?.FullName ?? throw new InvalidOperationException("Repository root not found."), "test", "bridge");
    }
}
