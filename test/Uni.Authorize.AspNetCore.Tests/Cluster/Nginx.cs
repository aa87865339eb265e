using System.Diagnostics;
using System.Net;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>Debian's nginx as a round-robin load balancer in front of host processes: its own prefix folder, in the
/// foreground, as a child of the test. The configuration is the one docs/deploy.md shows.</summary>
internal sealed class Nginx : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/nginx";
    private readonly Process _process;
    private readonly string _folder;

    private Nginx(Process process, string folder, Uri address)
    {
        _process = process;
        _folder = folder;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<Nginx> StartAsync(IEnumerable<Uri> upstreams)
    {
        if (!File.Exists(Binary))
        {
            var problem = $"{Binary} is missing; build/test.sh installs nginx-light.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail("nginx is required on CI: " + problem);
            }

            Assert.Skip(problem);
        }

        var folder = Directory.CreateTempSubdirectory("uni-nginx-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "tmp"));
        var port = HostProcess.FreePort();
        var servers = string.Concat(upstreams.Select(u => $"    server {u.Host}:{u.Port} max_fails=0;\n"));
        await File.WriteAllTextAsync(Path.Combine(folder, "nginx.conf"), $$"""
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log;
            events { worker_connections 1024; }
            http {
              access_log off;
              client_body_temp_path {{folder}}/tmp; proxy_temp_path {{folder}}/tmp; fastcgi_temp_path {{folder}}/tmp;
              uwsgi_temp_path {{folder}}/tmp; scgi_temp_path {{folder}}/tmp;
              upstream uni_authorize {
            {{servers}}    keepalive 32;
              }
              server {
                listen 127.0.0.1:{{port}};
                location / {
                  proxy_pass http://uni_authorize;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_set_header Host $host:$server_port;
                  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                  proxy_set_header X-Forwarded-Proto $scheme;
                  proxy_buffering off;
                  proxy_read_timeout 60s;
                  proxy_next_upstream error timeout;
                }
              }
            }
            """);
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-p", folder, "-c", Path.Combine(folder, "nginx.conf"), "-g", "daemon off;" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
        var nginx = new Nginx(process, folder, new Uri($"http://127.0.0.1:{port}"));
        using var client = new HttpClient { BaseAddress = nginx.Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("nginx exited: " + await process.StandardError.ReadToEndAsync());
            }

            try
            {
                if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return nginx;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        await nginx.DisposeAsync();
        throw new TimeoutException("nginx did not answer within 20 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
