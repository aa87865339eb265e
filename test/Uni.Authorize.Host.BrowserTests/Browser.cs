namespace Uni.Authorize.Host.BrowserTests;

/// <summary>
/// Debian's Chromium driven by Playwright, one per test class. Playwright's own browser download is never used:
/// the executable is <c>UNI_AUTHORIZE_TEST_CHROMIUM</c> or <c>/usr/bin/chromium</c>. A missing browser fails every
/// test under <c>CI=true</c> and skips them, saying why, elsewhere.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string DefaultExecutable = "/usr/bin/chromium";
    public static readonly float Timeout = 15_000;

    private IPlaywright? _playwright;

    public IBrowser? Chromium { get; private set; }

    /// <summary>Why there is no browser, or <see langword="null"/>.</summary>
    public string? Missing { get; private set; }

    public static string Executable =>
        Environment.GetEnvironmentVariable("UNI_AUTHORIZE_TEST_CHROMIUM") is { Length: > 0 } configured ? configured : DefaultExecutable;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Executable))
        {
            Missing = $"Chromium is not installed at {Executable} (apt-get install chromium, or set UNI_AUTHORIZE_TEST_CHROMIUM).";
            return;
        }

        Assertions.SetDefaultExpectTimeout(Timeout);
        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            // A fake microphone and camera, so that recording in a page works without devices or a permission prompt.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Chromium is not null)
        {
            await Chromium.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>A fresh browser profile (its own cookies) with a phone-sized window on the host, or one of
    /// <paramref name="width"/> by <paramref name="height"/>. Disposing it closes the profile and fails the test if a page
    /// script threw.</summary>
    public async Task<Tab> OpenAsync(HostProcess host, float scale = 1, int width = 480, int height = 860)
    {
        if (Missing is not null)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(Missing + " CI needs the browser tests.");
            }

            Assert.Skip(Missing);
        }

        var context = await Chromium!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            DeviceScaleFactor = scale,
            Locale = "zh-CN",
        });
        context.SetDefaultTimeout(Timeout);
        return new Tab(context, await context.NewPageAsync());
    }
}

/// <summary>One browser profile and its page; records uncaught script errors.</summary>
public sealed class Tab : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    internal Tab(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add(error);
            }
        };
    }

    public IPage Page { get; }

    public async ValueTask DisposeAsync()
    {
        await _context.CloseAsync();
        lock (_errors)
        {
            Assert.True(_errors.Count == 0, "A page script threw:\n" + string.Join("\n", _errors));
        }
    }
}
